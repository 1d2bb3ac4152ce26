// The cases of upstream's TestPolicyToEvaluate, plus the invalid-label defaults.
#include <catch2/catch.hpp>

#include "podsecurity/namespace_policy.h"

using namespace podsecurity;

namespace {

LevelVersion lv(Level l, Version v = Version::latest()) { return {l, v}; }
const LevelVersion kPrivileged = lv(Level::Privileged);

kube::StringMap labels(std::initializer_list<std::pair<const char*, const char*>> kv) {
  kube::StringMap out{{"other-label", "foo-bar"}};
  for (const auto& [k, v] : kv) out[std::string("pod-security.kubernetes.io/") + k] = v;
  return out;
}

void expectPolicy(const PolicyFromLabels& got, const LevelVersion& enforce, const LevelVersion& warn,
                  const LevelVersion& audit) {
  CHECK(got.policy.enforce.toString() == enforce.toString());
  CHECK(got.policy.warn.toString() == warn.toString());
  CHECK(got.policy.audit.toString() == audit.toString());
}

}  // namespace

TEST_CASE("labels override the defaults as upstream's PolicyToEvaluate") {
  PolicyDefaults d;
  expectPolicy(policyToEvaluate(labels({{"enforce", "baseline"}}), d), lv(Level::Baseline), lv(Level::Baseline), kPrivileged);
  expectPolicy(policyToEvaluate(labels({{"warn", "restricted"}}), d), kPrivileged, lv(Level::Restricted), kPrivileged);
  expectPolicy(policyToEvaluate(labels({{"audit", "baseline"}}), d), kPrivileged, kPrivileged, lv(Level::Baseline));
  expectPolicy(policyToEvaluate(labels({{"enforce", "baseline"}, {"warn", "restricted"}}), d), lv(Level::Baseline),
               lv(Level::Restricted), kPrivileged);
  expectPolicy(policyToEvaluate(labels({{"enforce", "baseline"}, {"enforce-version", "v1.22"}}), d),
               lv(Level::Baseline, Version::v1(22)), lv(Level::Baseline, Version::v1(22)), kPrivileged);
  expectPolicy(policyToEvaluate(labels({{"enforce", "baseline"}, {"enforce-version", "v1.22"}, {"warn-version", "latest"}}), d),
               lv(Level::Baseline, Version::v1(22)), lv(Level::Baseline), kPrivileged);
  expectPolicy(policyToEvaluate(labels({{"enforce", "baseline"}, {"warn-version", "v1.23"}}), d), lv(Level::Baseline),
               lv(Level::Baseline, Version::v1(23)), kPrivileged);
  expectPolicy(policyToEvaluate(labels({{"enforce", "baseline"}, {"enforce-version", "v1.20"}, {"warn", "restricted"},
                                        {"warn-version", "v1.21"}, {"audit", "restricted"}, {"audit-version", "v1.22"}}),
                                d),
               lv(Level::Baseline, Version::v1(20)), lv(Level::Restricted, Version::v1(21)),
               lv(Level::Restricted, Version::v1(22)));
  expectPolicy(policyToEvaluate(labels({{"enforce", "baseline"}, {"warn", "privileged"}}), d), lv(Level::Baseline),
               kPrivileged, kPrivileged);
  CHECK(policyToEvaluate(labels({{"enforce", "baseline"}}), d).errors.empty());
}

TEST_CASE("invalid labels: enforce fails closed, audit and warn fail open, versions read as latest") {
  PolicyDefaults d;
  auto warnError = policyToEvaluate(labels({{"enforce", "baseline"}, {"warn", "foo"}}), d);
  expectPolicy(warnError, lv(Level::Baseline), kPrivileged, kPrivileged);
  REQUIRE(warnError.errors.size() == 1);
  auto enforceError = policyToEvaluate(labels({{"enforce", "foo"}}), d);
  expectPolicy(enforceError, lv(Level::Restricted), kPrivileged, kPrivileged);
  CHECK(enforceError.errorText() ==
        "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"foo\": must be one of privileged, baseline, restricted");
  auto auditError = policyToEvaluate(labels({{"audit", "Restricted"}}), d);
  CHECK(auditError.policy.audit.level == Level::Privileged);
  auto versionError = policyToEvaluate(labels({{"enforce", "baseline"}, {"enforce-version", "v1.01"}}), d);
  CHECK(versionError.policy.enforce.toString() == "baseline:latest");
  auto two = policyToEvaluate(labels({{"enforce", "x"}, {"audit", "y"}}), d);
  CHECK(two.errorText().front() == '[');
}

TEST_CASE("configured defaults apply to unlabelled namespaces") {
  PolicyDefaults d;
  d.enforce = lv(Level::Baseline);
  d.warn = lv(Level::Restricted);
  auto p = policyToEvaluate({}, d);
  expectPolicy(p, lv(Level::Baseline), lv(Level::Restricted), kPrivileged);
  CHECK_FALSE(p.policy.fullyPrivileged());
  CHECK(policyToEvaluate({}, PolicyDefaults{}).policy.fullyPrivileged());
}

TEST_CASE("privileged is equivalent at every version") {
  CHECK(equivalent(lv(Level::Privileged, Version::v1(20)), lv(Level::Privileged)));
  CHECK_FALSE(equivalent(lv(Level::Baseline, Version::v1(20)), lv(Level::Baseline)));
}
