#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "config/kguard_config.h"

#include "admission_test_support.h"
#include "fake_cluster.h"
#include "webhook/admission/validator.h"

using namespace admission;

namespace {

struct Fixture {
  FakeCluster cluster;
  webhook::Metrics metrics;
  config::KguardConfig config;
  Fixture() { cluster.namespaces["team"] = {}; }
  AdmissionResponse run(const TestRequest& t) {
    Validator v(config, cluster, cluster, metrics);
    return v.validate(t.request);
  }
};

const GroupVersionResource kClaims{"", "v1", "persistentvolumeclaims"};
const GroupVersionResource kBindings{"rbac.authorization.k8s.io", "v1", "clusterrolebindings"};

}  // namespace

TEST_CASE("kguard rules: enforce refuses pods, warn mode only warns") {
  Fixture f;
  f.config.rules.disallowLatestTag = true;
  auto denied = f.run(makeRequest("CREATE", kPods, "team", pod("p", "")  + "\n"));
  // pod() uses nginx:1.25 — allowed; an untagged image is not
  CHECK(denied.allowed);
  std::string untagged = pod("u", "");
  untagged.replace(untagged.find("nginx:1.25"), 10, "nginx");
  auto r = f.run(makeRequest("CREATE", kPods, "team", untagged));
  CHECK_FALSE(r.allowed);
  CHECK(r.result->message.rfind("pods \"u\" is forbidden: violates kguard rules: kguard.imageLatestTag", 0) == 0);
  CHECK(f.metrics.kguardRuleViolations.value({"kguard.imageLatestTag", "enforce"}) == 1);
  f.config.rulesMode = config::Mode::Warn;
  auto warned = f.run(makeRequest("CREATE", kPods, "team", untagged));
  CHECK(warned.allowed);
  REQUIRE(warned.warnings.size() == 1);
  CHECK(warned.warnings[0].rfind("would violate kguard rules: kguard.imageLatestTag", 0) == 0);
}

TEST_CASE("Pod Security and kguard rules share one namespace lookup; findings are joined in one warning") {
  Fixture f;
  f.cluster.namespaces["team"] = {{"kguard.io/isolation", "sandboxed"}};
  f.config.rulesMode = config::Mode::Warn;
  f.config.rules.sandboxedRuntime = rules::SandboxedRuntimeConfig{{{"kguard.io/isolation", "sandboxed"}}, {"kata"}};
  f.config.rules.disallowLatestTag = true;
  std::string untagged = pod("u", "");
  untagged.replace(untagged.find("nginx:1.25"), 10, "nginx");
  auto r = f.run(makeRequest("CREATE", kPods, "team", untagged));
  CHECK(f.cluster.lookups == 1);
  CHECK(r.allowed);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0] ==
        "would violate kguard rules: kguard.imageLatestTag (container \"app\" image \"nginx\" has no tag (means "
        ":latest)), kguard.sandboxedRuntime (namespace requires a sandboxed runtime: runtimeClassName must be one of "
        "[kata], got none)");
  CHECK(f.metrics.kguardRuleViolations.value({"kguard.sandboxedRuntime", "warn"}) == 1);
}

TEST_CASE("kguard rules do not block updates that change nothing that runs") {
  Fixture f;
  f.config.rules.disallowLatestTag = true;
  std::string old = pod("legacy", "");
  old.replace(old.find("nginx:1.25"), 10, "nginx:latest");
  std::string finalizerRemoved = old + "\n";
  CHECK(f.run(makeRequest("UPDATE", kPods, "team", finalizerRemoved, old)).allowed);
  std::string newImage = old;
  newImage.replace(newImage.find("nginx:latest"), 12, "redis:latest");
  CHECK_FALSE(f.run(makeRequest("UPDATE", kPods, "team", newImage, old)).allowed);
}

TEST_CASE("storage classes are checked on claim creation only") {
  Fixture f;
  f.config.rules.allowedStorageClasses = {"encrypted"};
  const std::string plain = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {storageClassName: standard}";
  auto r = f.run(makeRequest("CREATE", kClaims, "team", plain));
  CHECK_FALSE(r.allowed);
  CHECK(r.result->message.find("kguard.storageClass") != std::string::npos);
  const std::string unprotected = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, finalizers: []}\nspec: {storageClassName: standard}";
  CHECK(f.run(makeRequest("UPDATE", kClaims, "team", unprotected, plain)).allowed);
}

TEST_CASE("RBAC guardrails at admission: warn by default, refuse in enforce mode") {
  const std::string binding =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ci-admin}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
      "subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]\n";
  Fixture f;
  auto warned = f.run(makeRequest("CREATE", kBindings, "", binding));
  CHECK(warned.allowed);
  REQUIRE_FALSE(warned.warnings.empty());
  CHECK(warned.warnings[0].find("rbac.clusterAdminServiceAccount") != std::string::npos);
  f.config.rbacMode = config::Mode::Enforce;
  auto denied = f.run(makeRequest("CREATE", kBindings, "", binding));
  CHECK_FALSE(denied.allowed);
  CHECK(denied.result->message.rfind("clusterrolebindings.rbac.authorization.k8s.io \"ci-admin\" is forbidden: violates kguard RBAC guardrails: rbac.clusterAdminServiceAccount", 0) == 0);
}

// Validating webhooks see a Pod after the ServiceAccount admission plugin (mutating) has run: when it
// mounts the token it adds a volumeMount at /var/run/secrets/kubernetes.io/serviceaccount to every
// container and init container (mountServiceAccountToken), so a Pod without that mount has no token.
// Workload templates are not mutated: their token stays unknown, and reported.
TEST_CASE("kguard.automountServiceAccountToken: a Pod's token is the one ServiceAccount admission mounted") {
  Fixture f;
  f.config.rules.requireNoServiceAccountToken = true;
  const std::string tokenMount =
      "volumeMounts: [{name: kube-api-access-x, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true}]";
  std::string mounted = restrictedPod("mounted");
  mounted.replace(mounted.find("    securityContext"), 0, "    " + tokenMount + "\n");
  auto r = f.run(makeRequest("CREATE", kPods, "team", mounted));
  CHECK_FALSE(r.allowed);
  CHECK(r.result->message.find("kguard.automountServiceAccountToken") != std::string::npos);
  // No mount: the plugin mounted nothing (the account says false), so there is no token to refuse.
  CHECK(f.run(makeRequest("CREATE", kPods, "team", restrictedPod("plain"))).allowed);
  std::string forced = restrictedPod("forced");
  forced.replace(forced.find("  containers:"), 0, "  automountServiceAccountToken: true\n");
  CHECK_FALSE(f.run(makeRequest("CREATE", kPods, "team", forced)).allowed);
  const std::string deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
      "      containers: [{name: app, image: nginx:1.25}]\n";
  f.config.rulesMode = config::Mode::Warn;
  auto workload = f.run(makeRequest("CREATE", kDeployments, "team", deployment));
  REQUIRE(workload.warnings.size() >= 1);
  CHECK(workload.warnings.back().find("kguard.automountServiceAccountToken") != std::string::npos);
}

namespace {
// A registry that accepts connections and never answers: only the deadline ends a request to it.
struct SilentRegistry {
  int fd = -1;
  int port = 0;
  SilentRegistry() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 16) == 0);  // the kernel completes handshakes; nothing is ever read or written
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~SilentRegistry() { ::close(fd); }
};
}  // namespace

// The signature checks share imageVerificationBudgetMs, and at most half the time left before the
// request's deadline (as the pod checks of a namespace update): the refusal must reach the API server
// before it gives up on the webhook.
TEST_CASE("kguard.imageSignatures: registry round trips end within half the time the request has left") {
  SilentRegistry registry;
  const std::string host = "127.0.0.1:" + std::to_string(registry.port);
  Fixture f;
  f.config = config::parseConfig("apiVersion: kguard.io/v1alpha1\nkind: KguardConfiguration\nrules:\n"
                                 "  imageVerificationBudgetMs: 5000\n  imageSignatures:\n  - images: [\"" + host + "/**\"]\n"
                                 "    publicKeys:\n    - |\n      -----BEGIN PUBLIC KEY-----\n"
                                 "      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6ujAeQ1rDWRxyu9JEB4MEKaklCHA\n"
                                 "      Db2KDN3E5jSwMEljvziY/q6TPPsZxNO6j6OkvUq4onUZs135sF3j6JixsA==\n"
                                 "      -----END PUBLIC KEY-----\n"
                                 "registries:\n- host: \"" + host + "\"\n  insecure: true\n",
                                 "kguard.yaml");
  auto image = pod("p", "");
  image.replace(image.find("nginx:1.25"), 10, host + "/team/app:v1");
  auto t = makeRequest("CREATE", kPods, "team", image);
  t.request.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(600);
  const auto start = std::chrono::steady_clock::now();
  auto r = f.run(t);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(r.allowed);  // never verified: refused (fail closed)
  CHECK(took < std::chrono::milliseconds(600));  // not the 5 s budget, nor the whole 600 ms left
}

TEST_CASE("triage: only requests that read their namespace wait for a lookup of one not in the cache") {
  Fixture f;  // "team" is cached, "elsewhere" is not
  f.config.rules.sandboxedRuntime = rules::SandboxedRuntimeConfig{{{"kguard.io/isolation", "sandboxed"}}, {"kata"}};
  Validator v(f.config, f.cluster, f.cluster, f.metrics);
  const GroupVersionResource clusterRoles{"rbac.authorization.k8s.io", "v1", "clusterroles"};
  const GroupVersionResource configMaps{"", "v1", "configmaps"};
  const std::string ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: fresh}\n";
  // Answered on the event loop, and indeed without any lookup.
  for (const auto& t : {makeRequest("CREATE", clusterRoles, "",
                                    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: []\n"),
                        makeRequest("CREATE", kNamespaces, "", ns),
                        makeRequest("CREATE", configMaps, "elsewhere", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")}) {
    CAPTURE(t.request.resource.resource);
    CHECK_FALSE(v.triage(t.request).mayBlock);
    CHECK(v.validate(t.request).allowed);
    CHECK(f.cluster.lookups == 0);
  }
  // A namespace update may list its pods; pods and workloads read their namespace's labels.
  CHECK(v.triage(makeRequest("UPDATE", kNamespaces, "fresh", ns, ns).request).mayBlock);
  CHECK(v.triage(makeRequest("CREATE", kPods, "elsewhere", pod("p", "")).request).mayBlock);
  CHECK_FALSE(v.triage(makeRequest("CREATE", kPods, "team", pod("p", "")).request).mayBlock);
  const std::string deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n"
      "  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: nginx:1.25}]}\n";
  CHECK(v.triage(makeRequest("CREATE", kDeployments, "elsewhere", deployment).request).mayBlock);
  // An object that carries a pod is read as one (sandboxedRuntime reads its namespace), whatever the resource says.
  CHECK(v.triage(makeRequest("CREATE", configMaps, "elsewhere", pod("p", "")).request).mayBlock);
}
