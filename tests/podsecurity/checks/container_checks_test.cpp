// privileged, capabilities_baseline/restricted, allowPrivilegeEscalation, procMount(_restricted),
// runAsNonRoot, runAsUser: the container securityContext checks.
#include <catch2/catch.hpp>

#include "tests/podsecurity/pod_fixture.h"
#include "podsecurity/checks/default_checks.h"

using namespace podsecurity;
using namespace podsecurity::checks;
using podsecurity::testing::pod;
using podsecurity::testing::run;

TEST_CASE("privileged names every privileged container, init and ephemeral included") {
  auto check = privilegedCheck();
  CHECK(run(check, 0, pod("{containers: [{name: a, securityContext: {privileged: false}}]}")).allowed());
  auto r = run(check, 0, pod(R"({initContainers: [{name: i, securityContext: {privileged: true}}],
      containers: [{name: a}], ephemeralContainers: [{name: e, securityContext: {privileged: true}}]})"));
  CHECK(r.forbiddenReason == "privileged");
  CHECK(r.forbiddenDetail == "containers \"i\", \"e\" must not set securityContext.privileged=true");
}

TEST_CASE("capabilities_baseline allows only the default set") {
  auto check = capabilitiesBaselineCheck();
  CHECK(run(check, 0, pod("{containers: [{name: a, securityContext: {capabilities: {add: [CHOWN, KILL], drop: [ALL]}}}]}"))
            .allowed());
  auto r = run(check, 0, pod(R"({containers: [
      {name: a, securityContext: {capabilities: {add: [NET_BIND_SERVICE]}}},
      {name: b, securityContext: {capabilities: {add: [SYS_ADMIN, NET_RAW]}}},
      {name: c, securityContext: {capabilities: {add: [NET_RAW]}}}]})"));
  CHECK(r.forbiddenReason == "non-default capabilities");
  CHECK(r.forbiddenDetail == "containers \"b\", \"c\" must not include \"NET_RAW\", \"SYS_ADMIN\" in "
                             "securityContext.capabilities.add");
}

TEST_CASE("capabilities_restricted: drop ALL, add at most NET_BIND_SERVICE; Windows pods exempt from v1.25") {
  auto check = capabilitiesRestrictedCheck();
  CHECK(run(check, 22, pod("{containers: [{name: a, securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}}]}"))
            .allowed());
  auto r = run(check, 22, pod(R"({containers: [{name: a},
      {name: b, securityContext: {capabilities: {drop: [NET_RAW], add: [SYS_TIME]}}},
      {name: c, securityContext: {capabilities: {drop: [ALL], add: [CHOWN]}}}]})"));
  CHECK(r.forbiddenReason == "unrestricted capabilities");
  CHECK(r.forbiddenDetail == "containers \"a\", \"b\" must set securityContext.capabilities.drop=[\"ALL\"]; "
                             "containers \"b\", \"c\" must not include \"CHOWN\", \"SYS_TIME\" in "
                             "securityContext.capabilities.add");
  auto windows = pod("{os: {name: windows}, containers: [{name: a}]}");
  CHECK_FALSE(run(check, 24, windows).allowed());
  CHECK(run(check, 25, windows).allowed());
  CHECK(check.versions[0].overrides == std::vector<std::string>{"capabilities_baseline"});
}

TEST_CASE("allowPrivilegeEscalation must be explicitly false from v1.8; Windows pods exempt from v1.25") {
  auto check = allowPrivilegeEscalationCheck();
  CHECK_THROWS(run(check, 7, pod("{containers: [{name: a}]}")));
  CHECK(run(check, 8, pod("{containers: [{name: a, securityContext: {allowPrivilegeEscalation: false}}]}")).allowed());
  auto r = run(check, 8, pod(R"({containers: [{name: a}, {name: b, securityContext: {allowPrivilegeEscalation: true}},
      {name: c, securityContext: {allowPrivilegeEscalation: false}}]})"));
  CHECK(r.forbiddenReason == "allowPrivilegeEscalation != false");
  CHECK(r.forbiddenDetail == "containers \"a\", \"b\" must set securityContext.allowPrivilegeEscalation=false");
  auto windows = pod("{os: {name: windows}, containers: [{name: a}]}");
  CHECK_FALSE(run(check, 24, windows).allowed());
  CHECK(run(check, 25, windows).allowed());
}

TEST_CASE("procMount: Default only; baseline relaxes for user namespaces from v1.35, restricted never") {
  auto baseline = procMountBaselineCheck();
  auto restricted = procMountRestrictedCheck();
  CHECK(run(baseline, 0, pod("{containers: [{name: a, securityContext: {procMount: Default}}]}")).allowed());
  auto r = run(baseline, 0, pod(R"({containers: [{name: a, securityContext: {procMount: Unmasked}},
      {name: b, securityContext: {procMount: Weird}}]})"));
  CHECK(r.forbiddenReason == "procMount");
  CHECK(r.forbiddenDetail == "containers \"a\", \"b\" must not set securityContext.procMount to \"Unmasked\", \"Weird\"");

  auto userNamespace = pod("{hostUsers: false, containers: [{name: a, securityContext: {procMount: Unmasked}}]}");
  CHECK_FALSE(run(baseline, 34, userNamespace).allowed());
  CHECK(run(baseline, 35, userNamespace).allowed());
  CHECK_THROWS(run(restricted, 34, userNamespace));
  CHECK(run(restricted, 35, userNamespace).forbiddenDetail ==
        "container \"a\" must not set securityContext.procMount to \"Unmasked\"");
  CHECK(restricted.versions[0].overrides == std::vector<std::string>{"procMount"});
}

TEST_CASE("runAsNonRoot: explicit false is named first, then unset containers without a pod default") {
  auto check = runAsNonRootCheck();
  CHECK(run(check, 0, pod("{securityContext: {runAsNonRoot: true}, containers: [{name: a}]}")).allowed());
  CHECK(run(check, 0, pod("{containers: [{name: a, securityContext: {runAsNonRoot: true}}]}")).allowed());
  auto explicitBad = run(check, 0, pod(R"({securityContext: {runAsNonRoot: false},
      containers: [{name: a, securityContext: {runAsNonRoot: false}}, {name: b}]})"));
  CHECK(explicitBad.forbiddenReason == "runAsNonRoot != true");
  CHECK(explicitBad.forbiddenDetail == "pod and container \"a\" must not set securityContext.runAsNonRoot=false");
  auto implicitBad = run(check, 0, pod("{containers: [{name: a}, {name: b, securityContext: {runAsNonRoot: true}}, {name: c}]}"));
  CHECK(implicitBad.forbiddenDetail == "pod or containers \"a\", \"c\" must set securityContext.runAsNonRoot=true");

  auto userNamespace = pod("{hostUsers: false, containers: [{name: a}]}");
  CHECK_FALSE(run(check, 34, userNamespace).allowed());
  CHECK(run(check, 35, userNamespace).allowed());
}

TEST_CASE("runAsUser forbids uid 0 from v1.23, relaxed for user namespaces from v1.35") {
  auto check = runAsUserCheck();
  CHECK_THROWS(run(check, 22, pod("{containers: [{name: a}]}")));
  CHECK(run(check, 23, pod("{securityContext: {runAsUser: 1000}, containers: [{name: a}]}")).allowed());
  auto r = run(check, 23, pod(R"({securityContext: {runAsUser: 0},
      containers: [{name: a, securityContext: {runAsUser: 0}}, {name: b, securityContext: {runAsUser: 1}}]})"));
  CHECK(r.forbiddenReason == "runAsUser=0");
  CHECK(r.forbiddenDetail == "pod and container \"a\" must not set runAsUser=0");
  auto userNamespace = pod("{hostUsers: false, securityContext: {runAsUser: 0}, containers: [{name: a}]}");
  CHECK(run(check, 34, userNamespace).forbiddenDetail == "pod must not set runAsUser=0");
  CHECK(run(check, 35, userNamespace).allowed());
}
