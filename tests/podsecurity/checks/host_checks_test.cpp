// hostNamespaces, hostPathVolumes, hostPorts, hostProbesAndHostLifecycle, windowsHostProcess.
#include <catch2/catch.hpp>

#include "tests/podsecurity/pod_fixture.h"
#include "podsecurity/checks/default_checks.h"

using namespace podsecurity;
using namespace podsecurity::checks;
using podsecurity::testing::pod;
using podsecurity::testing::run;

TEST_CASE("hostNamespaces lists every shared namespace") {
  auto check = hostNamespacesCheck();
  CHECK(run(check, 0, pod("{hostNetwork: false, containers: [{name: a}]}")).allowed());
  auto r = run(check, 30, pod("{hostNetwork: true, hostPID: true, containers: [{name: a}]}"));
  CHECK(r.forbiddenReason == "host namespaces");
  CHECK(r.forbiddenDetail == "hostNetwork=true, hostPID=true");
  CHECK(run(check, 30, pod("{hostIPC: true, containers: [{name: a}]}")).forbiddenDetail == "hostIPC=true");
}

TEST_CASE("hostPathVolumes names the hostPath volumes") {
  auto check = hostPathVolumesCheck();
  CHECK(run(check, 0, pod("{volumes: [{name: e, emptyDir: {}}], containers: [{name: a}]}")).allowed());
  auto one = run(check, 0, pod("{volumes: [{name: h, hostPath: {path: /}}], containers: [{name: a}]}"));
  CHECK(one.forbiddenReason == "hostPath volumes");
  CHECK(one.forbiddenDetail == "volume \"h\"");
  auto two = run(check, 0, pod(R"({volumes: [{name: x, hostPath: {path: /a}}, {name: e, emptyDir: {}},
      {name: z, hostPath: {path: /b}}], containers: [{name: a}]})"));
  CHECK(two.forbiddenDetail == "volumes \"x\", \"z\"");
}

TEST_CASE("hostPorts: any non-zero host port, ports sorted as text") {
  auto check = hostPortsCheck();
  CHECK(run(check, 0, pod("{containers: [{name: a, ports: [{containerPort: 80}, {containerPort: 81, hostPort: 0}]}]}"))
            .allowed());
  auto r = run(check, 0, pod(R"({initContainers: [{name: i, ports: [{containerPort: 1, hostPort: 80}]}],
      containers: [{name: a, ports: [{containerPort: 1, hostPort: 10000}]}, {name: b}]})"));
  CHECK(r.forbiddenReason == "hostPort");
  CHECK(r.forbiddenDetail == "containers \"i\", \"a\" use hostPorts 10000, 80");
  auto one = run(check, 0, pod("{containers: [{name: c}], ephemeralContainers: [{name: e, ports: [{containerPort: 1, hostPort: 8080}]}]}"));
  CHECK(one.forbiddenDetail == "container \"e\" uses hostPort 8080");
}

TEST_CASE("hostProbesAndHostLifecycle exists from v1.34 and names hosts of probes and hooks") {
  auto check = hostProbesAndHostLifecycleCheck();
  auto bad = pod(R"({containers: [
      {name: b, livenessProbe: {httpGet: {host: evil.example, port: 80}},
       lifecycle: {preStop: {tcpSocket: {host: 10.0.0.1, port: 1}}}},
      {name: a, readinessProbe: {tcpSocket: {host: 10.0.0.1, port: 1}}},
      {name: c, startupProbe: {httpGet: {host: "", port: 80}}, lifecycle: {postStart: {httpGet: {port: 80}}}}]})");
  CHECK_THROWS(run(check, 33, bad));  // no version before v1.34
  auto r = run(check, 34, bad);
  CHECK(r.forbiddenReason == "probe or lifecycle host");
  CHECK(r.forbiddenDetail == "containers \"a\", \"b\" use probe or lifecycle hosts \"10.0.0.1\", \"evil.example\"");
  auto one = run(check, 37, pod("{containers: [{name: c}], initContainers: [{name: i, lifecycle: {postStart: {httpGet: {host: h, port: 1}}}}]}"));
  CHECK(one.forbiddenDetail == "container \"i\" uses probe or lifecycle host \"h\"");
  CHECK(run(check, 37, pod("{containers: [{name: c, livenessProbe: {httpGet: {port: 80}}}]}")).allowed());
}

TEST_CASE("windowsHostProcess forbids hostProcess=true at pod and container level") {
  auto check = windowsHostProcessCheck();
  CHECK(run(check, 0, pod("{securityContext: {windowsOptions: {hostProcess: false}}, containers: [{name: a}]}")).allowed());
  auto r = run(check, 0, pod(R"({securityContext: {windowsOptions: {hostProcess: true}},
      containers: [{name: a, securityContext: {windowsOptions: {hostProcess: true}}}, {name: b},
                   {name: c, securityContext: {windowsOptions: {hostProcess: true}}}]})"));
  CHECK(r.forbiddenReason == "hostProcess");
  CHECK(r.forbiddenDetail == "pod and containers \"a\", \"c\" must not set securityContext.windowsOptions.hostProcess=true");
}
