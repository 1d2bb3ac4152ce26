// sysctls and restrictedVolumes: the pod-level checks.
#include <catch2/catch.hpp>

#include "tests/podsecurity/pod_fixture.h"
#include "podsecurity/checks/default_checks.h"

using namespace podsecurity;
using namespace podsecurity::checks;
using podsecurity::testing::pod;
using podsecurity::testing::run;

namespace {

kube::PodTemplate withSysctl(const std::string& name) {
  return pod("{securityContext: {sysctls: [{name: " + name + ", value: '1'}]}, containers: [{name: a}]}");
}

}  // namespace

TEST_CASE("sysctls: the safe list grows at v1.27, v1.29, v1.32 and v1.37") {
  auto check = sysctlsCheck();
  struct Case {
    const char* sysctl;
    int firstSafe;
  };
  for (auto c : {Case{"kernel.shm_rmid_forced", 0}, Case{"net.ipv4.ip_unprivileged_port_start", 0},
                 Case{"net.ipv4.ip_local_reserved_ports", 27}, Case{"net.ipv4.tcp_keepalive_time", 29},
                 Case{"net.ipv4.tcp_fin_timeout", 29}, Case{"net.ipv4.tcp_keepalive_intvl", 29},
                 Case{"net.ipv4.tcp_keepalive_probes", 29}, Case{"net.ipv4.tcp_rmem", 32}, Case{"net.ipv4.tcp_wmem", 32},
                 Case{"net.ipv4.tcp_slow_start_after_idle", 37}, Case{"net.ipv4.tcp_notsent_lowat", 37}}) {
    INFO(c.sysctl);
    auto p = withSysctl(c.sysctl);
    if (c.firstSafe > 0) CHECK(run(check, c.firstSafe - 1, p).forbiddenDetail == c.sysctl);
    CHECK(run(check, c.firstSafe, p).allowed());
    CHECK(run(check, 37, p).allowed());
  }
  auto r = run(check, 37, pod(R"({securityContext: {sysctls: [{name: z.other, value: '1'},
      {name: kernel.shm_rmid_forced, value: '1'}, {name: a.other, value: '2'}]}, containers: [{name: a}]})"));
  CHECK(r.forbiddenReason == "forbidden sysctls");
  CHECK(r.forbiddenDetail == "z.other, a.other");  // in the pod's order, as upstream
}

TEST_CASE("restrictedVolumes allows the nine inline types and names the rest") {
  auto check = restrictedVolumesCheck();
  CHECK(run(check, 0, pod(R"({containers: [{name: a}], volumes: [{name: nothing}, {name: e, emptyDir: {}},
      {name: s, secret: {secretName: s}}, {name: c, configMap: {name: c}}, {name: d, downwardAPI: {}},
      {name: p, projected: {sources: []}}, {name: v, persistentVolumeClaim: {claimName: c}},
      {name: x, csi: {driver: d}}, {name: eph, ephemeral: {}}, {name: i, image: {reference: r}}]})"))
            .allowed());
  auto r = run(check, 0, pod(R"({containers: [{name: a}], volumes: [{name: h, hostPath: {path: /}},
      {name: ok, emptyDir: {}}, {name: nf, nfs: {server: s, path: /}}, {name: g, gitRepo: {repository: r}},
      {name: h2, hostPath: {path: /x}}]})"));
  CHECK(r.forbiddenReason == "restricted volume types");
  CHECK(r.forbiddenDetail == "volumes \"h\", \"nf\", \"g\", \"h2\" use restricted volume types \"gitRepo\", \"hostPath\", \"nfs\"");
  auto one = run(check, 30, pod("{containers: [{name: a}], volumes: [{name: h, hostPath: {path: /}}]}"));
  CHECK(one.forbiddenDetail == "volume \"h\" uses restricted volume type \"hostPath\"");
  CHECK(check.versions[0].overrides == std::vector<std::string>{"hostPathVolumes"});
}
