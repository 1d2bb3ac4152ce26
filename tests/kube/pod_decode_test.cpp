#include <catch2/catch.hpp>

#include <tuple>

#include "kube/json_reader.h"
#include "kube/manifest.h"
#include "kube/pod_decode.h"
#include "kube/quantity.h"

using kube::parseManifests;

namespace {

// The pod DecodedPod::of finds in an object, copied out; nullopt when it carries none.
std::optional<kube::PodTemplate> extractPod(const nlohmann::json& object) {
  const kube::DecodedPod decoded = kube::DecodedPod::of(object);
  return decoded.get() ? std::optional<kube::PodTemplate>(*decoded.get()) : std::nullopt;
}

nlohmann::json one(const std::string& yaml) { return parseManifests(yaml, "t.yaml").at(0).object; }

std::string decodeError(const std::string& yaml) {
  try {
    extractPod(one(yaml));
  } catch (const kube::DecodeError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("every pod-carrying kind yields its template") {
  const char* spec = "{containers: [{name: c, image: i}]}";
  struct Case { const char* kind; std::string yaml; };
  std::vector<Case> cases = {
      {"Pod", std::string("apiVersion: v1\nkind: Pod\nspec: ") + spec},
      {"PodTemplate", std::string("apiVersion: v1\nkind: PodTemplate\ntemplate: {spec: ") + spec + "}"},
      {"ReplicationController", std::string("apiVersion: v1\nkind: ReplicationController\nspec: {template: {spec: ") + spec + "}}"},
      {"Deployment", std::string("apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: ") + spec + "}}"},
      {"ReplicaSet", std::string("apiVersion: apps/v1\nkind: ReplicaSet\nspec: {template: {spec: ") + spec + "}}"},
      {"StatefulSet", std::string("apiVersion: apps/v1\nkind: StatefulSet\nspec: {template: {spec: ") + spec + "}}"},
      {"DaemonSet", std::string("apiVersion: apps/v1\nkind: DaemonSet\nspec: {template: {spec: ") + spec + "}}"},
      {"Job", std::string("apiVersion: batch/v1\nkind: Job\nspec: {template: {spec: ") + spec + "}}"},
      {"CronJob", std::string("apiVersion: batch/v1\nkind: CronJob\nspec: {jobTemplate: {spec: {template: {spec: ") + spec + "}}}}"},
  };
  for (const auto& c : cases) {
    INFO(c.kind);
    auto pod = extractPod(one(c.yaml));
    REQUIRE(pod.has_value());
    REQUIRE(pod->spec.containers.size() == 1);
    CHECK(pod->spec.containers[0].image == "i");
  }
  CHECK_FALSE(extractPod(one("apiVersion: v1\nkind: ConfigMap\ndata: {}")).has_value());
  CHECK_FALSE(extractPod(one("apiVersion: apps/v1\nkind: Deployment\nspec: {}")).has_value());
  // A Deployment under a group kguard does not know is not a pod carrier.
  CHECK_FALSE(extractPod(one("apiVersion: example.com/v1\nkind: Deployment\nspec: {template: {spec: {}}}")).has_value());
}

TEST_CASE("security-relevant fields decode with unset distinguished from false") {
  auto pod = extractPod(one(R"(apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {a: b}}
spec:
  hostPID: true
  hostUsers: false
  os: {name: windows}
  securityContext: {runAsNonRoot: true, sysctls: [{name: kernel.shm_rmid_forced, value: "0"}]}
  initContainers: [{name: i, image: x}]
  ephemeralContainers: [{name: e, image: x}]
  containers:
  - name: c
    image: nginx
    ports: [{containerPort: 80, hostPort: 8080, name: http}]
    securityContext:
      privileged: false
      capabilities: {add: [NET_ADMIN], drop: [ALL]}
      seccompProfile: {type: RuntimeDefault}
    livenessProbe: {httpGet: {host: 1.2.3.4, port: 80}}
    lifecycle: {preStop: {tcpSocket: {host: example.com, port: 1}}}
  volumes: [{name: v, hostPath: {path: /etc}}, {name: w, emptyDir: {}}]
)"));
  REQUIRE(pod);
  const auto& s = pod->spec;
  CHECK(s.hostPID);
  CHECK_FALSE(s.hostNetwork);
  CHECK(s.hostUsers == false);
  CHECK(s.osName == "windows");
  CHECK(s.securityContext->runAsNonRoot == true);
  CHECK(s.securityContext->sysctls.at(0).name == "kernel.shm_rmid_forced");
  REQUIRE(s.initContainers.size() == 1);
  CHECK(s.ephemeralContainers.at(0).kind == kube::ContainerKind::Ephemeral);
  const auto& c = s.containers.at(0);
  CHECK(c.ports.at(0).hostPort == 8080);
  CHECK(c.ports.at(0).protocol == "TCP");
  CHECK(c.securityContext->privileged == false);
  CHECK_FALSE(c.securityContext->allowPrivilegeEscalation.has_value());
  CHECK(c.securityContext->capabilities->add == std::vector<std::string>{"NET_ADMIN"});
  CHECK(c.securityContext->seccompProfile->type == "RuntimeDefault");
  CHECK(c.livenessProbe->httpGetHost == "1.2.3.4");
  CHECK(c.preStop->tcpSocketHost == "example.com");
  CHECK(s.volumes.at(0).sources == std::vector<std::string>{"hostPath"});
  CHECK(s.volumes.at(0).hostPathPath == "/etc");
  CHECK(pod->metadata.annotations.at("a") == "b");
}

TEST_CASE("what lint's field paths need: lists written empty, container-only fields in the pod's securityContext") {
  auto pod = extractPod(one("apiVersion: v1\nkind: Pod\nspec:\n"
                            "  securityContext: {privileged: 'yes', procMount: 5, allowPrivilegeEscalation: null, runAsUser: 1}\n"
                            "  containers:\n"
                            "  - {name: a, securityContext: {capabilities: {add: [], drop: null}}}\n"
                            "  - {name: b, securityContext: {capabilities: {drop: [ALL]}}}\n"));
  REQUIRE(pod);
  const auto& a = *pod->spec.containers[0].securityContext->capabilities;
  CHECK(a.add.empty());
  CHECK(a.addWritten);  // [] written
  CHECK(!a.dropWritten);  // null is unset
  const auto& b = *pod->spec.containers[1].securityContext->capabilities;
  CHECK(!b.addWritten);
  CHECK(b.dropWritten);
  CHECK(b.drop == std::vector<std::string>{"ALL"});
  // Any value of a container-only field counts as written (the pod's securityContext has no such field,
  // so its type is not checked); null does not.
  const auto& written = pod->spec.securityContext->containerOnlyFields;
  CHECK(written.privileged);
  CHECK(written.procMount);
  CHECK(!written.allowPrivilegeEscalation);
  CHECK(!written.capabilities);
  CHECK(pod->spec.securityContext->runAsUser == 1);
  // The lists themselves must still be lists of strings.
  CHECK(decodeError("apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: a, securityContext: {capabilities: {add: [1]}}}]\n") ==
        "spec.containers[0].securityContext.capabilities.add[0]: expected a string, got an integer");
}

TEST_CASE("wrong field types name the field") {
  CHECK(decodeError("apiVersion: v1\nkind: Pod\nspec: {hostPID: \"true\"}") == "spec.hostPID: expected a boolean, got a string");
  CHECK(decodeError("apiVersion: v1\nkind: Pod\nspec: {containers: {name: x}}") == "spec.containers: expected a list, got an object");
  CHECK(decodeError("apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, securityContext: {runAsUser: abc}}]}") ==
        "spec.containers[0].securityContext.runAsUser: expected an integer, got a string");
  CHECK(decodeError("apiVersion: apps/v1\nkind: Deployment\nspec: {template: {metadata: {labels: {a: [1]}}}}") ==
        "spec.template.metadata.labels[\"a\"]: expected a string, got a list");
  CHECK(decodeError("apiVersion: v1\nkind: Pod\nspec: {containers: [{ports: [{containerPort: 70000}]}]}") ==
        "spec.containers[0].ports[0].containerPort: port out of range: 70000");
  // User and group IDs as the API server validates them (0 to 2^31-1).
  CHECK(decodeError("apiVersion: v1\nkind: Pod\nspec: {containers: [{securityContext: {runAsUser: -1}}]}") ==
        "spec.containers[0].securityContext.runAsUser: must be between 0 and 2147483647, inclusive: -1");
  CHECK(decodeError("apiVersion: v1\nkind: Pod\nspec: {securityContext: {runAsGroup: 2147483648}}") ==
        "spec.securityContext.runAsGroup: must be between 0 and 2147483647, inclusive: 2147483648");
  CHECK(decodeError("apiVersion: v1\nkind: Pod\nspec: {securityContext: {fsGroup: -5}}") ==
        "spec.securityContext.fsGroup: must be between 0 and 2147483647, inclusive: -5");
  CHECK(decodeError("apiVersion: v1\nkind: Pod\nspec: {securityContext: {supplementalGroups: [1, -2]}}") ==
        "spec.securityContext.supplementalGroups[1]: must be between 0 and 2147483647, inclusive: -2");
}

TEST_CASE("a manifest carries its pod, decoded once when it was read, its decode error kept") {
  auto manifests = parseManifests(R"(apiVersion: apps/v1
kind: Deployment
spec: {template: {spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: v1
kind: Pod
spec: {hostPID: maybe}
---
apiVersion: v1
kind: ConfigMap
)", "t.yaml");
  REQUIRE(manifests.size() == 3);
  const kube::PodTemplate* deployment = manifests[0].pod().get();
  REQUIRE(deployment);
  CHECK(deployment->spec.containers.at(0).image == "i");
  CHECK(manifests[0].pod().path() == "spec.template");
  kube::Manifest copy = manifests[0];
  CHECK(copy.pod().get() == deployment);  // copies share the one decoded pod
  try {
    manifests[1].pod().get();
    FAIL("expected the Pod's DecodeError");
  } catch (const kube::DecodeError& e) {
    CHECK(e.path() == "spec.hostPID");
  }
  CHECK(manifests[2].pod().get() == nullptr);
  CHECK(kube::Manifest().pod().get() == nullptr);
}

TEST_CASE("a Pod's status decodes with the pod, each address with its field; a template has none") {
  const kube::DecodedPod pod = kube::DecodedPod::of(one(R"(apiVersion: v1
kind: Pod
spec: {containers: [{name: c, image: i}]}
status:
  phase: Running
  podIP: 10.0.0.1
  podIPs: [{ip: 10.0.0.1}, {}, {ip: "fd00::1"}]
  hostIP: 192.168.0.1
)"));
  const kube::PodStatus* status = pod.status();
  REQUIRE(status);
  CHECK(status->phase == "Running");
  REQUIRE(status->podIP);
  CHECK(status->podIP->ip == "10.0.0.1");
  CHECK(status->podIP->path == "status.podIP");
  REQUIRE(status->podIPs.size() == 2);  // the item without ip is skipped
  CHECK(status->podIPs[1].ip == "fd00::1");
  CHECK(status->podIPs[1].path == "status.podIPs[2].ip");
  CHECK(status->hostIP->path == "status.hostIP");
  CHECK(status->hostIPs.empty());

  CHECK(kube::DecodedPod::of(one("apiVersion: v1\nkind: Pod\nspec: {}\n")).status() == nullptr);
  // A workload's status is no pod status, whatever it holds.
  CHECK(kube::DecodedPod::of(one("apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {}}}\n"
                                 "status: {podIP: 7}\n"))
            .status() == nullptr);
}

TEST_CASE("a malformed Pod status is kept apart from the pod: only a reader of the status gets the error") {
  auto error = [](const std::string& status) -> std::string {
    const kube::DecodedPod pod =
        kube::DecodedPod::of(one("apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: i}]}\nstatus: " + status));
    REQUIRE(pod.get());  // Pod Security and the rules still see the pod
    try {
      pod.status();
    } catch (const kube::DecodeError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error("{podIP: 7}") == "status.podIP: expected an IP address string");
  CHECK(error("{podIPs: [{ip: true}]}") == "status.podIPs[0].ip: expected an IP address string");
  CHECK(error("{hostIPs: [x]}").find("status.hostIPs[0]") == 0);
  CHECK(error("{phase: [Running]}").find("status.phase") == 0);
  CHECK(error("[]").find("status: ") == 0);
  CHECK(error("{podIP: not-an-ip}").empty());  // a string: whether it is an address is netpol's to say
}

TEST_CASE("a manifest keeps its own metadata (a workload's, not its template's) with uid and ownerReferences") {
  auto manifests = parseManifests(R"(apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: r
  uid: rs-1
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: d, uid: d-1, controller: true}, {uid: x}]
spec: {template: {metadata: {labels: {app: a}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa}
secrets: [{name: token}, {}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, ownerReferences: [{controller: maybe}]}
)", "t.yaml");
  const kube::ObjectMeta* meta = manifests.at(0).metadata().get();
  REQUIRE(meta);
  CHECK(meta->uid == "rs-1");
  REQUIRE(meta->ownerReferences.size() == 2);
  CHECK(meta->ownerReferences[0].kind == "Deployment");
  CHECK(meta->ownerReferences[0].uid == "d-1");
  CHECK(meta->ownerReferences[0].controller);
  CHECK_FALSE(meta->ownerReferences[1].controller);
  CHECK(manifests.at(0).pod().get()->metadata.ownerReferences.empty());  // the template's own metadata
  const kube::ServiceAccountObject* sa = manifests.at(1).serviceAccount().get();
  REQUIRE(sa);
  CHECK(sa->secrets == std::vector<std::string>{"token"});
  CHECK(manifests.at(0).serviceAccount().get() == nullptr);
  try {
    manifests.at(2).metadata().get();
    FAIL("expected the metadata's DecodeError");
  } catch (const kube::DecodeError& e) {
    CHECK(e.path() == "metadata.ownerReferences[0].controller");
  }
}

TEST_CASE("a pod's uid and ownerReferences are checked as the object's metadata reads them, not kept in the pod") {
  auto manifests = parseManifests(R"(apiVersion: v1
kind: Pod
metadata:
  name: p
  uid: p-1
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: rs-1, controller: true}]
spec: {containers: [{name: c, image: i}]}
)", "t.yaml");
  const kube::ObjectMeta* meta = manifests.at(0).metadata().get();
  REQUIRE(meta);
  CHECK(meta->uid == "p-1");
  REQUIRE(meta->ownerReferences.size() == 1);
  CHECK(meta->ownerReferences[0].uid == "rs-1");
  const kube::PodTemplate* pod = manifests.at(0).pod().get();
  REQUIRE(pod);
  CHECK(pod->metadata.name == "p");
  CHECK(pod->metadata.uid.empty());
  CHECK(pod->metadata.ownerReferences.empty());
  // A wrong type is the same error in the pod as in the object's metadata, in the same order.
  for (const auto& [owners, path, problem] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"[{controller: maybe}]", "metadata.ownerReferences[0].controller", "expected a boolean, got a string"},
           {"[{kind: [a], controller: maybe}]", "metadata.ownerReferences[0].kind", "expected a string, got a list"},
           {"[{}, {uid: 7}]", "metadata.ownerReferences[1].uid", "expected a string, got an integer"},
           {"[rs]", "metadata.ownerReferences[0]", ""},
           {"{}", "metadata.ownerReferences", ""}}) {
    INFO(owners);
    auto bad = parseManifests("apiVersion: v1\nkind: Pod\nmetadata: {ownerReferences: " + owners +
                                  "}\nspec: {containers: [{name: c, image: i}]}",
                              "t.yaml");
    std::string podError, metaError;
    try {
      bad.at(0).pod().get();
    } catch (const kube::DecodeError& e) {
      podError = e.path() + ": " + e.problem();
    }
    try {
      bad.at(0).metadata().get();
    } catch (const kube::DecodeError& e) {
      metaError = e.path() + ": " + e.problem();
    }
    CHECK(podError.rfind(path + ": " + problem, 0) == 0);
    CHECK(podError == metaError);
  }
  auto badUid = parseManifests("apiVersion: v1\nkind: Pod\nmetadata: {uid: 7}\nspec: {containers: [{name: c, image: i}]}", "t.yaml");
  CHECK_THROWS_AS(badUid.at(0).pod().get(), kube::DecodeError);
}

// resource.Quantity as the API server parses it (ParseQuantity, apimachinery). Every case was checked
// against the parser of kubectl 1.20.2 (`kubectl run --limits=cpu=Q --dry-run=client`, which reaches
// the network only after the quantity parsed): the same code the API server runs on each limit.
TEST_CASE("quantities: what ParseQuantity accepts, and its error for the rest") {
  for (const char* ok : {"1", "0", "500m", "1Ki", "1Mi", "1Ei", "1k", "1n", "1u", "1T", "1P", "1E", "+1", "-1", ".5",
                         "5.", "1e3", "1E-3", "1e+3", "1.G", "00", ".", "+", "-", "m", "Ki", "Ti", "e3", ".5Ki", "0Pi",
                         "e-9", ".e-9", "1e-20", "5.e-20", "e4294967295", "1e-9223372036854775808",
                         "12345678901234567890Ei", " 1Gi ", "1234567890123456789.5"})
    CHECK(kube::quantityError(ok) == nullptr);
  const std::string format = "quantities must match the regular expression";
  for (const char* bad : {"", " ", "bogus", "1KI", "1.5.5", "1 Gi", "1EI", "1e+-1", "1,5"})
    CHECK(std::string(kube::quantityError(bad) ? kube::quantityError(bad) : "").rfind(format, 0) == 0);
  for (const char* bad : {"1e", "1Ki3", "1m3", "1K", "1i", "1ki", "1mi", "1nn", "1e+", "1E+", "1e9223372036854775808"})
    CHECK(std::string(kube::quantityError(bad) ? kube::quantityError(bad) : "") == "unable to parse quantity's suffix");
  for (const char* bad : {"e-10", "+e-20", ".e-20", "Pi", "Ei", "+Pi", ".Pi", "e2147483648", "e4294967286"})
    CHECK(std::string(kube::quantityError(bad) ? kube::quantityError(bad) : "") == "unable to parse numeric part of quantity");
}

TEST_CASE("a malformed quantity in limits or requests is a decode error at its field") {
  auto pod = [](const char* resources) {
    return std::string("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: i\n  - name: d\n    image: i\n"
                       "    resources: ") + resources + "\n";
  };
  CHECK(decodeError(pod("{limits: {cpu: bogus}}")) ==
        "spec.containers[1].resources.limits.cpu: invalid quantity \"bogus\": quantities must match the regular "
        "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  CHECK(decodeError(pod("{requests: {memory: 1KI}}")).rfind("spec.containers[1].resources.requests.memory: invalid quantity \"1KI\"", 0) == 0);
  CHECK(decodeError(pod("{limits: {cpu: 1e}}")) ==
        "spec.containers[1].resources.limits.cpu: invalid quantity \"1e\": unable to parse quantity's suffix");
  CHECK(decodeError(pod("{limits: {cpu: 500m, memory: 1Gi, nvidia.com/gpu: 1}, requests: {cpu: .5, memory: 1e9}}")).empty());
  auto decoded = extractPod(one(pod("{limits: {cpu: \" 1 \"}}")));
  REQUIRE(decoded);
  CHECK(decoded->spec.containers[1].resources.limits.at("cpu") == " 1 ");  // kept as written
}

TEST_CASE("a pod's ServiceAccount: serviceAccountName, else the deprecated serviceAccount, else default") {
  auto account = [](const std::string& spec) {
    return extractPod(one("apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: i}]" + spec + "}"))->spec.serviceAccountOrDefault();
  };
  CHECK(account("") == "default");
  CHECK(account(", serviceAccountName: \"\"") == "default");
  CHECK(account(", serviceAccountName: app") == "app");
  CHECK(account(", serviceAccount: legacy") == "legacy");
  CHECK(account(", serviceAccount: legacy, serviceAccountName: app") == "app");  // the new field wins
  CHECK(account(", serviceAccount: legacy, serviceAccountName: \"\"") == "legacy");
  // A workload's template gets the same default (its pods are Pods when created).
  CHECK(extractPod(one("apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {containers: []}}}"))->spec.serviceAccountOrDefault() ==
        "default");
}
