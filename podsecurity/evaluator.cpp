#include "podsecurity/evaluator.h"

#include <algorithm>
#include <map>
#include <set>

#include "podsecurity/checks/default_checks.h"

namespace podsecurity {
namespace {

constexpr int64_t kMaxMinor = 1000;

// Mirrors upstream registry.go validateChecks, plus two rules of our own: a version entry needs a
// function, and an overridden id must name a registered baseline check (catches typos).
void validate(const std::vector<Check>& checks) {
  std::map<std::string, Level> levels;
  for (const auto& check : checks) {
    if (check.id.empty()) throw InvalidChecks("check with an empty id");
    if (!levels.emplace(check.id, check.level).second)
      throw InvalidChecks("multiple checks registered for ID " + check.id);
    if (check.level != Level::Baseline && check.level != Level::Restricted)
      throw InvalidChecks("check " + check.id + ": invalid level " + toString(check.level));
    if (check.versions.empty()) throw InvalidChecks("check " + check.id + ": empty");
    const Version* previous = nullptr;
    for (const auto& v : check.versions) {
      if (v.minimumVersion.isLatest()) throw InvalidChecks("check " + check.id + ": version cannot be 'latest'");
      // The evaluator keeps one check list per minor version; a typo like v1.3000 must not allocate millions.
      if (v.minimumVersion.minor() > kMaxMinor)
        throw InvalidChecks("check " + check.id + ": version " + v.minimumVersion.toString() + " is out of range");
      if (!v.function) throw InvalidChecks("check " + check.id + ": " + v.minimumVersion.toString() + " has no function");
      if (previous && *previous == v.minimumVersion)
        throw InvalidChecks("check " + check.id + ": duplicate version " + v.minimumVersion.toString());
      if (previous && !previous->olderThan(v.minimumVersion))
        throw InvalidChecks("check " + check.id + ": versions must be strictly increasing");
      previous = &v.minimumVersion;
    }
  }
  for (const auto& check : checks) {
    for (const auto& v : check.versions) {
      if (v.overrides.empty()) continue;
      if (check.level != Level::Restricted)
        throw InvalidChecks("check " + check.id + ": only restricted checks may set overrides");
      for (const auto& overridden : v.overrides) {
        auto it = levels.find(overridden);
        if (it == levels.end()) throw InvalidChecks("check " + check.id + ": overrides unknown check " + overridden);
        if (it->second != Level::Baseline)
          throw InvalidChecks("check " + check.id + ": overrides " + toString(it->second) + " check " + overridden);
      }
    }
  }
}

// The version entry of `check` in force at policy minor `minor`, or nullptr before its first one.
const VersionedCheck* activeAt(const Check& check, int64_t minor) {
  const VersionedCheck* active = nullptr;
  for (const auto& v : check.versions) {
    if (v.minimumVersion.minor() > minor) break;
    active = &v;
  }
  return active;
}

}  // namespace

Evaluator::Evaluator(const std::vector<Check>& checks) {
  validate(checks);
  int64_t newest = 0;
  for (const auto& check : checks) newest = std::max(newest, check.versions.back().minimumVersion.minor());

  // Upstream's evaluation order: baseline ids sorted, then restricted ids sorted (byte order), so
  // that messages are stable whatever order the table lists the checks in.
  std::vector<const Check*> ordered;
  for (const auto& c : checks) ordered.push_back(&c);
  std::sort(ordered.begin(), ordered.end(), [](const Check* a, const Check* b) {
    if (a->level != b->level) return a->level == Level::Baseline;
    return a->id < b->id;
  });

  baseline_.resize(static_cast<size_t>(newest) + 1);
  restricted_.resize(static_cast<size_t>(newest) + 1);
  for (int64_t minor = 0; minor <= newest; ++minor) {
    std::set<std::string> overridden;
    for (const Check* c : ordered) {
      if (c->level != Level::Restricted) continue;
      if (const auto* v = activeAt(*c, minor)) overridden.insert(v->overrides.begin(), v->overrides.end());
    }
    for (const Check* c : ordered) {
      const auto* v = activeAt(*c, minor);
      if (!v) continue;
      Entry entry{c->id, v->function};
      if (c->level == Level::Baseline) {
        baseline_[minor].push_back(entry);
        if (!overridden.count(c->id)) restricted_[minor].push_back(entry);
      } else {
        restricted_[minor].push_back(entry);
      }
    }
  }
}

const std::vector<Evaluator::Entry>& Evaluator::entriesFor(const LevelVersion& policy) const {
  const int64_t newest = static_cast<int64_t>(baseline_.size()) - 1;
  const int64_t minor = policy.version.isLatest() ? newest : std::min(policy.version.minor(), newest);
  return policy.level == Level::Baseline ? baseline_[minor] : restricted_[minor];
}

PolicyResult Evaluator::evaluate(const LevelVersion& policy, const kube::ObjectMeta& metadata,
                                 const kube::PodSpec& spec) const {
  PolicyResult result;
  if (policy.level == Level::Privileged) return result;
  const auto& entries = entriesFor(policy);
  for (const auto& entry : entries) {
    CheckResult r = entry.function(metadata, spec);
    if (r.allowed()) continue;
    if (result.failures.empty()) result.failures.reserve(entries.size());  // one allocation, only when denied
    r.id = entry.id;
    result.failures.push_back(std::move(r));
  }
  result.allowed = result.failures.empty();
  return result;
}

const Evaluator& defaultEvaluator() {
  static const Evaluator evaluator(checks::defaultChecks());
  return evaluator;
}

namespace {

// Upstream admission: fmt.Sprintf("<prefix> PodSecurity %q: %s", policy, aggregate.ForbiddenDetail()),
// where each failure is "reason" or "reason (detail)", joined by ", ".
std::string aggregateMessage(const char* prefix, const LevelVersion& policy, const PolicyResult& result) {
  if (result.allowed) return "";
  std::string message = std::string(prefix) + " PodSecurity \"" + policy.toString() + "\": ";
  for (size_t i = 0; i < result.failures.size(); ++i) {
    const auto& f = result.failures[i];
    if (i) message += ", ";
    message += f.forbiddenReason.empty() ? "unknown forbidden reason" : f.forbiddenReason;
    if (!f.forbiddenDetail.empty()) message += " (" + f.forbiddenDetail + ")";
  }
  return message;
}

}  // namespace

std::string forbiddenMessage(const LevelVersion& policy, const PolicyResult& result) {
  return aggregateMessage("violates", policy, result);
}

std::string warningMessage(const LevelVersion& policy, const PolicyResult& result) {
  return aggregateMessage("would violate", policy, result);
}

}  // namespace podsecurity
