// Upstream Pod Security Admission's own fixtures (tests/conformance/pod-security): every pass/ pod
// must be allowed and every fail/ pod denied by the check its file name names, at that fixture's
// level and version; `latest` and versions past the newest must behave as the newest.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "kube/manifest.h"
#include "kube/pod_decode.h"
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/evaluator.h"

namespace fs = std::filesystem;
using namespace podsecurity;

namespace {

struct Fixture {
  fs::path path;
  Level level;
  int64_t minor;
  bool expectAllowed;
  std::string checkPrefix;  // "seccompprofile_baseline" from seccompprofile_baseline3.yaml
  kube::PodTemplate pod;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

kube::PodTemplate load(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto manifests = kube::parseManifests(text.str(), path.string());
  REQUIRE(manifests.size() == 1);
  const kube::PodTemplate* pod = manifests[0].pod().get();
  REQUIRE(pod);
  return *pod;
}

const std::vector<Fixture>& fixtures() {
  static const std::vector<Fixture> all = [] {
    std::vector<Fixture> out;
    const fs::path root = PODSECURITY_CONFORMANCE_DIR;
    for (const char* levelName : {"baseline", "restricted"}) {
      for (const auto& versionDir : fs::directory_iterator(root / levelName)) {
        auto version = parseVersion(versionDir.path().filename().string());
        REQUIRE(version);
        for (const char* outcome : {"pass", "fail"}) {
          if (!fs::exists(versionDir.path() / outcome)) continue;
          for (const auto& file : fs::directory_iterator(versionDir.path() / outcome)) {
            std::string stem = file.path().stem().string();
            stem.erase(stem.find_last_not_of("0123456789") + 1);
            out.push_back({file.path(), *parseLevel(levelName), version->minor(), std::string(outcome) == "pass",
                           stem, load(file.path())});
          }
        }
      }
    }
    std::sort(out.begin(), out.end(), [](const Fixture& a, const Fixture& b) { return a.path < b.path; });
    return out;
  }();
  return all;
}

// The check ids that may deny a fail/ fixture: the one its name gives, or — at the restricted
// level — the restricted check that replaces it at that version (upstream's OverrideCheckIDs, e.g.
// a capabilities_baseline fixture is denied by capabilities_restricted from v1.22). Worked out from
// the check table here, independently of the evaluator's own precomputation.
std::vector<std::string> acceptableIds(const Fixture& f) {
  static const auto table = checks::defaultChecks();
  std::vector<std::string> ids;
  for (const auto& c : table)
    if (lower(c.id) == f.checkPrefix) ids.push_back(c.id);
  if (ids.empty() || f.level != Level::Restricted) return ids;
  const std::string named = ids.front();
  for (const auto& c : table) {
    if (c.level != Level::Restricted) continue;
    const VersionedCheck* active = nullptr;
    for (const auto& v : c.versions)
      if (v.minimumVersion.minor() <= f.minor) active = &v;
    if (active && std::count(active->overrides.begin(), active->overrides.end(), named)) ids.push_back(c.id);
  }
  return ids;
}

std::string describe(const PolicyResult& r) {
  std::string s;
  for (const auto& f : r.failures) s += "\n    " + f.id + ": " + f.forbiddenReason + " (" + f.forbiddenDetail + ")";
  return s.empty() ? " allowed" : s;
}

bool sameFailures(const PolicyResult& a, const PolicyResult& b) {
  if (a.allowed != b.allowed || a.failures.size() != b.failures.size()) return false;
  for (size_t i = 0; i < a.failures.size(); ++i) {
    const auto& x = a.failures[i];
    const auto& y = b.failures[i];
    if (x.id != y.id || x.forbiddenReason != y.forbiddenReason || x.forbiddenDetail != y.forbiddenDetail) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("conformance: every upstream fixture is decided as upstream decides it") {
  const auto& all = fixtures();
  // 4,537 YAML fixtures in the tree (the README's "4,538" counts one more than the files present).
  REQUIRE(all.size() == 4537);
  const auto& evaluator = defaultEvaluator();
  std::vector<std::string> wrong;
  size_t passes = 0, fails = 0;
  for (const auto& f : all) {
    LevelVersion lv{f.level, Version::v1(f.minor)};
    auto result = evaluator.evaluate(lv, f.pod.metadata, f.pod.spec);
    if (f.expectAllowed) {
      ++passes;
      if (!result.allowed) wrong.push_back(f.path.string() + ": expected allowed, got" + describe(result));
      continue;
    }
    ++fails;
    auto ids = acceptableIds(f);
    if (ids.empty()) {
      wrong.push_back(f.path.string() + ": no check named " + f.checkPrefix);
      continue;
    }
    bool named = std::any_of(result.failures.begin(), result.failures.end(), [&](const CheckResult& r) {
      return std::find(ids.begin(), ids.end(), r.id) != ids.end();
    });
    if (result.allowed || !named)
      wrong.push_back(f.path.string() + ": expected denial by " + ids.front() + ", got" + describe(result));
    for (const auto& r : result.failures)
      if (r.forbiddenReason.empty()) wrong.push_back(f.path.string() + ": " + r.id + " denied without a reason");
  }
  std::string report;
  for (size_t i = 0; i < wrong.size() && i < 40; ++i) report += wrong[i] + "\n";
  INFO(wrong.size() << " of " << all.size() << " fixtures decided wrongly:\n" << report);
  CHECK(wrong.empty());
  CHECK(passes > 1000);
  CHECK(fails > 1000);
}

TEST_CASE("conformance: latest and versions past the newest behave as v1.37") {
  const auto& evaluator = defaultEvaluator();
  REQUIRE(evaluator.newestVersion() == Version::v1(37));
  size_t compared = 0;
  for (const auto& f : fixtures()) {
    if (f.minor != 37) continue;
    ++compared;
    auto v137 = evaluator.evaluate({f.level, Version::v1(37)}, f.pod.metadata, f.pod.spec);
    INFO(f.path.string());
    CHECK(sameFailures(evaluator.evaluate({f.level, Version::latest()}, f.pod.metadata, f.pod.spec), v137));
    CHECK(sameFailures(evaluator.evaluate({f.level, Version::v1(38)}, f.pod.metadata, f.pod.spec), v137));
    CHECK(sameFailures(evaluator.evaluate({f.level, Version::v1(99)}, f.pod.metadata, f.pod.spec), v137));
  }
  CHECK(compared > 100);
}

TEST_CASE("conformance: privileged allows every fixture, at every version") {
  const auto& evaluator = defaultEvaluator();
  size_t denied = 0;
  for (const auto& f : fixtures()) {
    for (auto version : {Version::v1(f.minor), Version::latest()}) {
      auto r = evaluator.evaluate({Level::Privileged, version}, f.pod.metadata, f.pod.spec);
      if (!r.allowed || !r.failures.empty()) ++denied;
    }
  }
  CHECK(denied == 0);
}
