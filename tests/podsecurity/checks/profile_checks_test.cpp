// seccompProfile_baseline/restricted, appArmorProfile, seLinuxOptions: the security profile checks.
#include <catch2/catch.hpp>

#include "tests/podsecurity/pod_fixture.h"
#include "podsecurity/checks/default_checks.h"

using namespace podsecurity;
using namespace podsecurity::checks;
using podsecurity::testing::pod;
using podsecurity::testing::run;

TEST_CASE("seccompProfile_baseline reads annotations up to v1.18 and the fields from v1.19") {
  auto check = seccompProfileBaselineCheck();
  auto annotated = pod("{containers: [{name: a}, {name: b}]}",
                       R"({annotations: {"seccomp.security.alpha.kubernetes.io/pod": unconfined,
      "container.seccomp.security.alpha.kubernetes.io/a": "localhost/x",
      "container.seccomp.security.alpha.kubernetes.io/b": "unconfined",
      "container.seccomp.security.alpha.kubernetes.io/gone": "unconfined"}})");
  auto r = run(check, 18, annotated);
  CHECK(r.forbiddenReason == "seccompProfile");
  CHECK(r.forbiddenDetail == "forbidden annotations container.seccomp.security.alpha.kubernetes.io/b=\"unconfined\", "
                             "seccomp.security.alpha.kubernetes.io/pod=\"unconfined\"");
  CHECK(run(check, 19, annotated).allowed());  // annotations no longer read

  auto fields = pod(R"({securityContext: {seccompProfile: {type: Unconfined}},
      containers: [{name: a, securityContext: {seccompProfile: {type: RuntimeDefault}}},
                   {name: b, securityContext: {seccompProfile: {type: Bogus}}}, {name: c}]})");
  CHECK(run(check, 18, fields).allowed());
  CHECK(run(check, 19, fields).forbiddenDetail ==
        "pod and container \"b\" must not set securityContext.seccompProfile.type to \"Bogus\", \"Unconfined\"");
}

TEST_CASE("seccompProfile_restricted requires a profile, pod-level inherited; Windows pods exempt from v1.25") {
  auto check = seccompProfileRestrictedCheck();
  CHECK(run(check, 19, pod("{securityContext: {seccompProfile: {type: RuntimeDefault}}, containers: [{name: a}]}")).allowed());
  CHECK(run(check, 19, pod("{containers: [{name: a, securityContext: {seccompProfile: {type: Localhost}}}]}")).allowed());
  auto unset = run(check, 19, pod("{containers: [{name: a}, {name: b}]}"));
  CHECK(unset.forbiddenReason == "seccompProfile");
  CHECK(unset.forbiddenDetail ==
        "pod or containers \"a\", \"b\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
  auto bad = run(check, 19, pod(R"({securityContext: {seccompProfile: {type: Unconfined}},
      containers: [{name: a}, {name: b, securityContext: {seccompProfile: {type: Unconfined}}}]})"));
  CHECK(bad.forbiddenDetail == "pod and container \"b\" must not set securityContext.seccompProfile.type to \"Unconfined\"");
  auto windows = pod("{os: {name: windows}, containers: [{name: a}]}");
  CHECK_FALSE(run(check, 24, windows).allowed());
  CHECK(run(check, 25, windows).allowed());
}

TEST_CASE("appArmorProfile checks the fields and the deprecated annotations at every version") {
  auto check = appArmorProfileCheck();
  CHECK(run(check, 0, pod(R"({securityContext: {appArmorProfile: {type: RuntimeDefault}},
      containers: [{name: a, securityContext: {appArmorProfile: {type: Localhost, localhostProfile: p}}}]})",
                          R"({annotations: {"container.apparmor.security.beta.kubernetes.io/a": "localhost/p",
      "container.apparmor.security.beta.kubernetes.io/b": "runtime/default"}})"))
            .allowed());
  auto both = run(check, 0, pod(R"({securityContext: {appArmorProfile: {type: Unconfined}},
      containers: [{name: a, securityContext: {appArmorProfile: {type: Unconfined}}}]})",
                                R"({annotations: {"container.apparmor.security.beta.kubernetes.io/b": unconfined}})"));
  CHECK(both.forbiddenReason == "forbidden AppArmor profiles");
  CHECK(both.forbiddenDetail == "pod and container \"a\" and annotation must not set AppArmor profile type to "
                                "\"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/b=\"unconfined\"\"");
  auto one = run(check, 37, pod("{containers: [{name: a}]}",
                                R"({annotations: {"container.apparmor.security.beta.kubernetes.io/a": unconfined}})"));
  CHECK(one.forbiddenReason == "forbidden AppArmor profile");
  CHECK(one.forbiddenDetail ==
        "annotation must not set AppArmor profile type to \"container.apparmor.security.beta.kubernetes.io/a=\"unconfined\"\"");
}

TEST_CASE("seLinuxOptions: allowed types grow at v1.31; user and role are forbidden") {
  auto check = seLinuxOptionsCheck();
  auto r = run(check, 0, pod(R"({securityContext: {seLinuxOptions: {type: foo, user: bar, role: baz}},
      containers: [{name: a, securityContext: {seLinuxOptions: {type: container_t}}},
                   {name: b, securityContext: {seLinuxOptions: {type: container_init_t}}},
                   {name: c, securityContext: {seLinuxOptions: {type: container_kvm_t}}},
                   {name: d, securityContext: {seLinuxOptions: {type: bar}}},
                   {name: e, securityContext: {seLinuxOptions: {user: bar}}},
                   {name: f, securityContext: {seLinuxOptions: {role: baz}}}]})"));
  CHECK(r.forbiddenReason == "seLinuxOptions");
  CHECK(r.forbiddenDetail == "pod and containers \"d\", \"e\", \"f\" set forbidden securityContext.seLinuxOptions: "
                             "types \"bar\", \"foo\"; user may not be set; role may not be set");
  // User and role are named even when no type is wrong (as a 1.32 API server words it).
  CHECK(run(check, 32, pod("{securityContext: {seLinuxOptions: {user: u, role: r}}, containers: [{name: a}]}"))
            .forbiddenDetail == "pod set forbidden securityContext.seLinuxOptions: user may not be set; role may not be set");
  CHECK(run(check, 0, pod("{containers: [{name: a, securityContext: {seLinuxOptions: {role: r, level: s0}}}]}"))
            .forbiddenDetail == "container \"a\" set forbidden securityContext.seLinuxOptions: role may not be set");
  auto engine = pod("{containers: [{name: a, securityContext: {seLinuxOptions: {type: container_engine_t, level: \"s0:c1\"}}}]}");
  CHECK(run(check, 30, engine).forbiddenDetail ==
        "container \"a\" set forbidden securityContext.seLinuxOptions: type \"container_engine_t\"");
  CHECK(run(check, 31, engine).allowed());
}
