#include <catch2/catch.hpp>

#include "tests/podsecurity/pod_fixture.h"
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/evaluator.h"

using namespace podsecurity;
using podsecurity::testing::pod;

namespace {

// Fake checks that always deny, so the evaluator's selection and ordering are visible.
CheckResult denyA(const kube::ObjectMeta&, const kube::PodSpec&) { return {"", "reason a", "v1"}; }
CheckResult denyA2(const kube::ObjectMeta&, const kube::PodSpec&) { return {"", "reason a", "v2"}; }
CheckResult denyB(const kube::ObjectMeta&, const kube::PodSpec&) { return {"", "reason b", ""}; }
CheckResult denyR(const kube::ObjectMeta&, const kube::PodSpec&) { return {"", "reason r", "detail r"}; }
CheckResult allowAll(const kube::ObjectMeta&, const kube::PodSpec&) { return {}; }

std::vector<Check> smallTable() {
  return {
      {"zeta_restricted", Level::Restricted, {{Version::v1(3), denyR, {"alpha"}}}},
      {"beta", Level::Baseline, {{Version::v1(0), denyB, {}}}},
      {"alpha", Level::Baseline, {{Version::v1(0), denyA, {}}, {Version::v1(5), denyA2, {}}}},
      {"quiet", Level::Baseline, {{Version::v1(1), allowAll, {}}}},
  };
}

std::vector<std::string> ids(const PolicyResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.failures) out.push_back(f.id);
  return out;
}

std::string invalidity(const std::vector<Check>& checks) {
  try {
    Evaluator e(checks);
  } catch (const InvalidChecks& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the registry rejects an invalid check table at construction") {
  auto table = smallTable();
  CHECK(invalidity(table).empty());

  auto duplicate = table;
  duplicate.push_back({"beta", Level::Baseline, {{Version::v1(0), denyB, {}}}});
  CHECK(invalidity(duplicate) == "multiple checks registered for ID beta");

  auto unsorted = table;
  unsorted[2].versions = {{Version::v1(5), denyA2, {}}, {Version::v1(0), denyA, {}}};
  CHECK(invalidity(unsorted) == "check alpha: versions must be strictly increasing");

  auto repeated = table;
  repeated[2].versions = {{Version::v1(5), denyA, {}}, {Version::v1(5), denyA2, {}}};
  CHECK(invalidity(repeated) == "check alpha: duplicate version v1.5");

  auto latest = table;
  latest[1].versions = {{Version::latest(), denyB, {}}};
  CHECK(invalidity(latest) == "check beta: version cannot be 'latest'");

  auto huge = table;
  huge[1].versions = {{Version::v1(100000), denyB, {}}};
  CHECK(invalidity(huge) == "check beta: version v1.100000 is out of range");

  auto empty = table;
  empty[1].versions.clear();
  CHECK(invalidity(empty) == "check beta: empty");

  auto privileged = table;
  privileged[1].level = Level::Privileged;
  CHECK(invalidity(privileged) == "check beta: invalid level privileged");

  auto noFunction = table;
  noFunction[1].versions[0].function = nullptr;
  CHECK(invalidity(noFunction) == "check beta: v1.0 has no function");

  auto baselineOverride = table;
  baselineOverride[1].versions[0].overrides = {"alpha"};
  CHECK(invalidity(baselineOverride) == "check beta: only restricted checks may set overrides");

  auto overridesRestricted = table;
  overridesRestricted.push_back({"other_restricted", Level::Restricted, {{Version::v1(0), denyR, {"zeta_restricted"}}}});
  CHECK(invalidity(overridesRestricted) == "check other_restricted: overrides restricted check zeta_restricted");

  auto overridesUnknown = table;
  overridesUnknown[0].versions[0].overrides = {"alpah"};
  CHECK(invalidity(overridesUnknown) == "check zeta_restricted: overrides unknown check alpah");
}

TEST_CASE("the evaluator picks each check's version, orders ids, applies overrides and clamps") {
  Evaluator evaluator(smallTable());
  auto p = pod("{containers: [{name: c, image: i}]}");
  auto eval = [&](Level level, Version v) { return evaluator.evaluate({level, v}, p.metadata, p.spec); };

  CHECK(evaluator.newestVersion() == Version::v1(5));
  // Baseline ids sorted, whatever order the table lists them in.
  CHECK(ids(eval(Level::Baseline, Version::v1(0))) == std::vector<std::string>{"alpha", "beta"});
  // Before v1.3 the restricted level is just baseline.
  CHECK(ids(eval(Level::Restricted, Version::v1(2))) == std::vector<std::string>{"alpha", "beta"});
  // From v1.3 zeta_restricted replaces alpha at the restricted level only; restricted ids come last.
  CHECK(ids(eval(Level::Restricted, Version::v1(3))) == std::vector<std::string>{"beta", "zeta_restricted"});
  CHECK(ids(eval(Level::Baseline, Version::v1(3))) == std::vector<std::string>{"alpha", "beta"});
  // The v1.5 entry of alpha applies from v1.5, and newer versions and latest clamp to v1.5.
  CHECK(eval(Level::Baseline, Version::v1(4)).failures[0].forbiddenDetail == "v1");
  for (auto v : {Version::v1(5), Version::v1(6), Version::v1(1000), Version::latest()}) {
    INFO(v.toString());
    auto r = eval(Level::Baseline, v);
    REQUIRE(r.failures.size() == 2);
    CHECK(r.failures[0].forbiddenDetail == "v2");
  }
  auto denied = eval(Level::Restricted, Version::latest());
  CHECK_FALSE(denied.allowed);
  CHECK(denied.failures.back().forbiddenReason == "reason r");

  auto privileged = eval(Level::Privileged, Version::v1(3));
  CHECK(privileged.allowed);
  CHECK(privileged.failures.empty());
}

TEST_CASE("the default registry is valid, covers upstream's 19 checks and knows v1.37 as newest") {
  auto table = checks::defaultChecks();
  CHECK(table.size() == 19);
  CHECK_NOTHROW(Evaluator(table));
  CHECK(defaultEvaluator().newestVersion() == Version::v1(37));
}

TEST_CASE("a violating pod gets upstream's aggregate message") {
  auto p = pod(R"({hostPID: true, containers: [{name: x, image: i, securityContext: {privileged: true}}]})");
  LevelVersion baseline{Level::Baseline, Version::v1(30)};
  auto result = defaultEvaluator().evaluate(baseline, p.metadata, p.spec);
  REQUIRE_FALSE(result.allowed);
  CHECK(ids(result) == std::vector<std::string>{"hostNamespaces", "privileged"});
  CHECK(forbiddenMessage(baseline, result) ==
        "violates PodSecurity \"baseline:v1.30\": host namespaces (hostPID=true), privileged (container \"x\" must "
        "not set securityContext.privileged=true)");

  LevelVersion restricted{Level::Restricted, Version::latest()};
  auto strict = defaultEvaluator().evaluate(restricted, p.metadata, p.spec);
  CHECK(ids(strict) == std::vector<std::string>{"hostNamespaces", "privileged", "allowPrivilegeEscalation",
                                                "capabilities_restricted", "runAsNonRoot", "seccompProfile_restricted"});
  CHECK(forbiddenMessage(restricted, strict) ==
        "violates PodSecurity \"restricted:latest\": host namespaces (hostPID=true), privileged (container \"x\" must "
        "not set securityContext.privileged=true), allowPrivilegeEscalation != false (container \"x\" must set "
        "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"x\" must set "
        "securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"x\" must set "
        "securityContext.runAsNonRoot=true), seccompProfile (pod or container \"x\" must set "
        "securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
}

TEST_CASE("the aggregate message leaves out empty details and is empty for an allowed pod") {
  LevelVersion lv{Level::Restricted, Version::v1(30)};
  PolicyResult result{false, {{"a", "first", ""}, {"b", "second", "why"}}};
  CHECK(forbiddenMessage(lv, result) == "violates PodSecurity \"restricted:v1.30\": first, second (why)");
  CHECK(forbiddenMessage(lv, PolicyResult{}).empty());
}

TEST_CASE("the message matches what a v1.32 API server answered for the same pod") {
  // Recorded `kubectl apply` output of a pod with SELinux user/role, unsafe sysctls and a bare container.
  auto p = pod(R"({securityContext: {seLinuxOptions: {user: system_u, role: system_r, level: "s0:c123,c456"},
      sysctls: [{name: net.core.somaxconn, value: "1024"}, {name: kernel.msgmax, value: "65536"}]},
      containers: [{name: my-pod, image: busybox}]})");
  LevelVersion lv{Level::Restricted, Version::v1(32)};
  CHECK(forbiddenMessage(lv, defaultEvaluator().evaluate(lv, p.metadata, p.spec)) ==
        "violates PodSecurity \"restricted:v1.32\": seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: "
        "user may not be set; role may not be set), forbidden sysctls (net.core.somaxconn, kernel.msgmax), "
        "allowPrivilegeEscalation != false (container \"my-pod\" must set securityContext.allowPrivilegeEscalation=false), "
        "unrestricted capabilities (container \"my-pod\" must set securityContext.capabilities.drop=[\"ALL\"]), "
        "runAsNonRoot != true (pod or container \"my-pod\" must set securityContext.runAsNonRoot=true), seccompProfile "
        "(pod or container \"my-pod\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or "
        "\"Localhost\")");
}

TEST_CASE("the warning matches a recorded Helm install warning for a node-exporter DaemonSet") {
  // "would violate PodSecurity" is upstream's warn-mode wording; the pod reproduces the chart's shape.
  auto p = pod(R"({hostNetwork: true, hostPID: true,
      securityContext: {runAsNonRoot: true, runAsUser: 65534},
      containers: [
        {name: node-exporter, image: quay.io/prometheus/node-exporter,
         securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true},
         livenessProbe: {httpGet: {host: 127.0.0.1, path: /, port: 9100}},
         readinessProbe: {httpGet: {host: 127.0.0.1, path: /, port: 9100}}},
        {name: kube-rbac-proxy, image: quay.io/brancz/kube-rbac-proxy,
         securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}],
      volumes: [{name: proc, hostPath: {path: /proc}}, {name: sys, hostPath: {path: /sys}},
                {name: root, hostPath: {path: /}}]})");
  LevelVersion lv{Level::Restricted, Version::latest()};
  auto result = defaultEvaluator().evaluate(lv, p.metadata, p.spec);
  CHECK(warningMessage(lv, result) ==
        "would violate PodSecurity \"restricted:latest\": host namespaces (hostNetwork=true, hostPID=true), probe or "
        "lifecycle host (container \"node-exporter\" uses probe or lifecycle host \"127.0.0.1\"), restricted volume "
        "types (volumes \"proc\", \"sys\", \"root\" use restricted volume type \"hostPath\"), seccompProfile (pod or "
        "containers \"node-exporter\", \"kube-rbac-proxy\" must set securityContext.seccompProfile.type to "
        "\"RuntimeDefault\" or \"Localhost\")");
  CHECK(warningMessage(lv, PolicyResult{}).empty());
}
