#include <catch2/catch.hpp>

#include "admission_test_support.h"
#include "fake_cluster.h"
#include "webhook/admission/pod_security_admission.h"

using namespace admission;

namespace {

struct Fixture {
  FakeCluster cluster;
  webhook::Metrics metrics;
  config::KguardConfig config;

  Fixture() {
    cluster.namespaces["restricted"] = {{"pod-security.kubernetes.io/enforce", "restricted"}};
    cluster.namespaces["baseline-warn"] = {{"pod-security.kubernetes.io/enforce", "baseline"},
                                           {"pod-security.kubernetes.io/warn", "restricted"},
                                           {"pod-security.kubernetes.io/audit", "restricted"}};
    cluster.namespaces["open"] = {};
    cluster.namespaces["typo"] = {{"pod-security.kubernetes.io/enforce", "restricteed"}};
  }
  AdmissionResponse run(const TestRequest& t) const {
    auto& self = const_cast<Fixture&>(*this);
    PodSecurityAdmission psa(config, self.cluster, self.cluster, self.metrics);
    return psa.validate(t.request);
  }
};

const std::string kPrivilegedPod = pod("priv", "", "securityContext: {privileged: true}");
const std::string kHostPidPod = pod("top", "hostPID: true");

}  // namespace

TEST_CASE("enforce denies with upstream's message, status and audit annotation") {
  Fixture f;
  auto r = f.run(makeRequest("CREATE", kPods, "restricted", kPrivilegedPod));
  CHECK_FALSE(r.allowed);
  REQUIRE(r.result);
  CHECK(r.result->code == 403);
  CHECK(r.result->reason == "Forbidden");
  CHECK(r.result->message.rfind("pods \"priv\" is forbidden: violates PodSecurity \"restricted:latest\": privileged (container \"app\" must not set securityContext.privileged=true)", 0) == 0);
  CHECK(r.auditAnnotations.at("enforce-policy") == "restricted:latest");
  CHECK(r.warnings.empty());  // no warnings on a refused request
  CHECK(f.metrics.evaluations.value({"deny", "restricted", "latest", "enforce", "create", "pod", ""}) == 1);
}

TEST_CASE("a compliant pod is allowed without warnings") {
  Fixture f;
  auto r = f.run(makeRequest("CREATE", kPods, "restricted", restrictedPod("ok")));
  CHECK(r.allowed);
  CHECK(r.warnings.empty());
  CHECK(r.auditAnnotations.at("enforce-policy") == "restricted:latest");
}

TEST_CASE("warn and audit report what enforce allows") {
  Fixture f;
  auto r = f.run(makeRequest("CREATE", kPods, "baseline-warn", pod("plain", "")));
  CHECK(r.allowed);
  REQUIRE(r.warnings.size() == 1);
  INFO(r.warnings[0]);
  CHECK(r.warnings[0].rfind("would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false", 0) == 0);
  CHECK(r.auditAnnotations.at("audit-violations").rfind("would violate PodSecurity \"restricted:latest\"", 0) == 0);
  // baseline violations are still refused in that namespace
  CHECK_FALSE(f.run(makeRequest("CREATE", kPods, "baseline-warn", kHostPidPod)).allowed);
}

TEST_CASE("workloads get warnings, not denials, unless enforceOnWorkloads") {
  const std::string deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
      "      hostPID: true\n      containers: [{name: app, image: nginx}]\n";
  Fixture f;
  auto warned = f.run(makeRequest("CREATE", kDeployments, "restricted", deployment));
  CHECK(warned.allowed);
  REQUIRE(warned.warnings.size() == 1);
  CHECK(warned.warnings[0].find("host namespaces (hostPID=true)") != std::string::npos);
  CHECK_FALSE(warned.auditAnnotations.count("enforce-policy"));

  f.config.enforceOnWorkloads = true;
  auto denied = f.run(makeRequest("CREATE", kDeployments, "restricted", deployment));
  CHECK_FALSE(denied.allowed);
  CHECK(denied.result->message.rfind("deployments.apps \"web\" is forbidden: violates PodSecurity", 0) == 0);
  // a workload without a template has nothing to check
  CHECK(f.run(makeRequest("CREATE", kDeployments, "restricted", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {}")).allowed);
}

TEST_CASE("pod subresources: the harmless ones are skipped, the rest evaluated") {
  Fixture f;
  for (const char* sub : {"exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"}) {
    auto t = makeRequest("UPDATE", kPods, "restricted", kPrivilegedPod, kPrivilegedPod);
    t.request.subResource = sub;
    INFO(sub);
    CHECK(f.run(t).allowed);
  }
  auto ephemeral = makeRequest("UPDATE", kPods, "restricted",
                               restrictedPod("p") + "  ephemeralContainers: [{name: debug, image: busybox, securityContext: {privileged: true}}]\n",
                               restrictedPod("p"));
  ephemeral.request.subResource = "ephemeralcontainers";
  CHECK_FALSE(f.run(ephemeral).allowed);
}

TEST_CASE("pod updates are evaluated only when images or containers change") {
  Fixture f;
  const std::string relabelled = kPrivilegedPod + "\n";  // same spec, e.g. a label change
  CHECK(f.run(makeRequest("UPDATE", kPods, "restricted", relabelled, kPrivilegedPod)).allowed);
  auto newImage = pod("priv", "", "securityContext: {privileged: true}\n    ");
  newImage.replace(newImage.find("nginx:1.25"), 10, "nginx:1.26");
  CHECK_FALSE(f.run(makeRequest("UPDATE", kPods, "restricted", newImage, kPrivilegedPod)).allowed);
}

// Upstream's isSignificantPodUpdate compares the pod's own seccomp annotation too: the v1.0-v1.18 baseline
// reads it, and annotations stay mutable on a running pod.
TEST_CASE("pod updates are evaluated when the pod's legacy seccomp annotation changes") {
  Fixture f;
  f.cluster.namespaces["baseline-118"] = {{"pod-security.kubernetes.io/enforce", "baseline"},
                                          {"pod-security.kubernetes.io/enforce-version", "v1.18"}};
  const std::string before = pod("p", "");
  std::string unconfined = before;
  unconfined.replace(unconfined.find("metadata: {name: p}"), 19,
                     "metadata: {name: p, annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}}");
  auto r = f.run(makeRequest("UPDATE", kPods, "baseline-118", unconfined, before));
  CHECK_FALSE(r.allowed);
  REQUIRE(r.result);
  CHECK_THAT(r.result->message, Catch::Contains("seccomp.security.alpha.kubernetes.io/pod=\"unconfined\""));
  // The same annotation left as it was: not a significant update.
  CHECK(f.run(makeRequest("UPDATE", kPods, "baseline-118", unconfined, unconfined)).allowed);
}

TEST_CASE("exemptions by namespace, user and RuntimeClass") {
  Fixture f;
  f.config.exemptions.namespaces = {"restricted"};
  auto byNamespace = f.run(makeRequest("CREATE", kPods, "restricted", kPrivilegedPod));
  CHECK(byNamespace.allowed);
  CHECK(byNamespace.auditAnnotations.at("exempt") == "namespace");

  Fixture g;
  g.config.exemptions.usernames = {"alice"};
  CHECK(g.run(makeRequest("CREATE", kPods, "restricted", kPrivilegedPod)).auditAnnotations.at("exempt") == "user");

  Fixture h;
  h.config.exemptions.runtimeClasses = {"kata"};
  auto kata = h.run(makeRequest("CREATE", kPods, "restricted", pod("k", "runtimeClassName: kata", "securityContext: {privileged: true}")));
  CHECK(kata.allowed);
  CHECK(kata.auditAnnotations.at("exempt") == "runtimeClass");
  CHECK(h.metrics.exemptions.value({"create", "pod", ""}) == 1);
}

TEST_CASE("namespace policy sources: unlabelled, config defaults, invalid labels, failed lookups") {
  Fixture f;
  auto open = f.run(makeRequest("CREATE", kPods, "open", kPrivilegedPod));
  CHECK(open.allowed);  // no labels, no config: privileged as upstream
  CHECK(open.auditAnnotations.at("enforce-policy") == "privileged:latest");

  f.config.podSecurityDefaults.enforce = "baseline";
  CHECK_FALSE(f.run(makeRequest("CREATE", kPods, "open", kPrivilegedPod)).allowed);

  auto typo = f.run(makeRequest("CREATE", kPods, "typo", pod("plain", "")));
  CHECK_FALSE(typo.allowed);  // an invalid enforce label reads as restricted
  CHECK(typo.auditAnnotations.at("error").rfind("Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]", 0) == 0);

  f.cluster.failLookups = true;
  auto failed = f.run(makeRequest("CREATE", kPods, "restricted", restrictedPod("x")));
  CHECK_FALSE(failed.allowed);
  CHECK(failed.result->code == 500);
  CHECK(failed.result->message == "Internal error occurred: failed to lookup namespace \"restricted\"");
  CHECK(failed.auditAnnotations.at("error") ==
        "Internal error occurred: failed to lookup namespace \"restricted\": connection refused");
  // workloads fail open on lookup errors, as upstream
  auto workload = f.run(makeRequest("CREATE", kDeployments, "restricted",
                                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec: {template: {spec: {containers: []}}}"));
  CHECK(workload.allowed);
  // Upstream's ValidatePodController: the error in the audit annotation, counted as fatal (not judged).
  CHECK(workload.auditAnnotations.at("error") == "failed to lookup namespace \"restricted\": connection refused");
  CHECK(f.metrics.errors.value({"true", "create", "controller", ""}) == 1);
  CHECK(f.metrics.errors.value({"false", "create", "controller", ""}) == 0);
}

TEST_CASE("namespaces: invalid labels refused, tightening warns about existing pods") {
  Fixture f;
  auto invalid = f.run(makeRequest("CREATE", kNamespaces, "", "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns1, labels: {pod-security.kubernetes.io/enforce: strict}}"));
  CHECK_FALSE(invalid.allowed);
  CHECK(invalid.result->code == 422);

  f.cluster.addPod("apps", pod("a-top", "hostPID: true"));
  f.cluster.addPod("apps", pod("b-top", "hostPID: true"));
  f.cluster.addPod("apps", restrictedPod("fine"));
  f.cluster.addPod("apps", pod("c-priv", "", "securityContext: {privileged: true}"));
  auto update = makeRequest("UPDATE", kNamespaces, "apps",
                            "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps, labels: {pod-security.kubernetes.io/enforce: baseline}}",
                            "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}");
  update.request.name = "apps";
  auto tightened = f.run(update);
  CHECK(tightened.allowed);
  REQUIRE(tightened.warnings.size() == 3);
  CHECK(tightened.warnings[0] == "existing pods in namespace \"apps\" violate the new PodSecurity enforce level \"baseline:latest\"");
  CHECK(tightened.warnings[1] == "a-top (and 1 other pod): host namespaces");
  CHECK(tightened.warnings[2] == "c-priv: privileged");

  // relaxing never warns
  auto relax = makeRequest("UPDATE", kNamespaces, "apps",
                           "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps, labels: {pod-security.kubernetes.io/enforce: baseline}}",
                           "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps, labels: {pod-security.kubernetes.io/enforce: restricted}}");
  relax.request.name = "apps";
  CHECK(f.run(relax).warnings.empty());
}

TEST_CASE("malformed objects are answered with 400, never a crash") {
  Fixture f;
  auto t = makeRequest("CREATE", kPods, "restricted", "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {hostPID: \"yes please\"}");
  auto r = f.run(t);
  CHECK_FALSE(r.allowed);
  CHECK(r.result->code == 400);
  CHECK(r.result->message.find("spec.hostPID: expected a boolean") != std::string::npos);
  auto missing = makeRequest("UPDATE", kPods, "restricted", restrictedPod("x"));
  CHECK(f.run(missing).result->code == 400);  // UPDATE without oldObject
  // A quantity resource.ParseQuantity refuses, as a wrong type is.
  std::string quantity = restrictedPod("q");
  quantity += "    resources: {limits: {cpu: bogus}}\n";
  auto q = f.run(makeRequest("CREATE", kPods, "restricted", quantity));
  CHECK_FALSE(q.allowed);
  CHECK(q.result->code == 400);
  CHECK(q.result->message.find("spec.containers[0].resources.limits.cpu: invalid quantity \"bogus\"") != std::string::npos);
}

TEST_CASE("enforceOnWorkloads judges template changes only, so controllers can scale and finalize") {
  const std::string bad =
      "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: old-rs}\nspec:\n  replicas: 3\n  template:\n    spec:\n"
      "      hostPID: true\n      containers: [{name: app, image: nginx}]\n";
  std::string scaled = bad;
  scaled.replace(scaled.find("replicas: 3"), 11, "replicas: 0");
  std::string fixed = scaled;
  fixed.replace(fixed.find("hostPID: true"), 13, "hostPID: false");
  const GroupVersionResource replicasets{"apps", "v1", "replicasets"};
  Fixture f;
  f.config.enforceOnWorkloads = true;
  auto scale = f.run(makeRequest("UPDATE", replicasets, "restricted", scaled, bad));
  CHECK(scale.allowed);
  CHECK_FALSE(scale.warnings.empty());  // still warned, as upstream does for workloads
  CHECK_FALSE(f.run(makeRequest("UPDATE", replicasets, "restricted", bad, fixed)).allowed);  // template made worse
  CHECK_FALSE(f.run(makeRequest("CREATE", replicasets, "restricted", bad)).allowed);
}

namespace {
// A namespace update that tightens enforce to baseline on namespace "apps".
TestRequest tightenApps() {
  auto update = makeRequest("UPDATE", kNamespaces, "apps",
                            "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps, labels: {pod-security.kubernetes.io/enforce: baseline}}",
                            "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}");
  update.request.name = "apps";
  return update;
}
}  // namespace

TEST_CASE("namespaces: past the 3000-pod cap, one pod per controller is checked first, as upstream's prioritizePods") {
  Fixture f;
  for (int i = 0; i < 3000; ++i) f.cluster.addPod("apps", restrictedPod("web-" + std::to_string(i)), "rs-web");
  f.cluster.addPod("apps", pod("agent-0", "hostPID: true"), "ds-agent");  // listed last, its controller's only pod
  auto r = f.run(tightenApps());
  REQUIRE(r.warnings.size() == 3);
  CHECK(r.warnings[0] == "new PodSecurity enforce level only checked against the first 3000 of 3001 existing pods");
  CHECK(r.warnings[1] == "existing pods in namespace \"apps\" violate the new PodSecurity enforce level \"baseline:latest\"");
  CHECK(r.warnings[2] == "agent-0: host namespaces");
}

TEST_CASE("namespaces: the pod checks take at most half the time the API server still waits (?timeout=)") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.cluster.addPod("apps", pod("priv-" + std::to_string(i), "hostPID: true"));
  // No ?timeout=: upstream's own limit, 1 s.
  auto unbounded = f.run(tightenApps());
  CHECK(f.cluster.lastPodListTimeout == std::chrono::milliseconds(1000));
  REQUIRE(unbounded.warnings.size() == 2);
  CHECK(unbounded.warnings[1] == "priv-0 (and 4 other pods): host namespaces");

  // 300 ms left: a budget of at most 150 ms, for the listing and the checks together (upstream's
  // EvaluatePodsInNamespace). A listing that takes all of it leaves time for one pod, and upstream's
  // warning says how many were checked.
  auto update = tightenApps();
  update.request.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  f.cluster.podListsTakeTheirTimeout = true;
  auto r = f.run(update);
  CHECK(f.cluster.lastPodListTimeout <= std::chrono::milliseconds(150));
  CHECK(f.cluster.lastPodListTimeout > std::chrono::milliseconds(0));
  REQUIRE(r.warnings.size() == 3);
  CHECK(r.warnings[0] == "new PodSecurity enforce level only checked against the first 1 of 5 existing pods");
  CHECK(r.warnings[1] == "existing pods in namespace \"apps\" violate the new PodSecurity enforce level \"baseline:latest\"");
  CHECK(r.warnings[2] == "priv-0: host namespaces");

  // Past the deadline: no time to spend (the API server's listing fails at once: NamespaceCache).
  f.cluster.podListsTakeTheirTimeout = false;
  update.request.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  auto late = f.run(update);
  CHECK(f.cluster.lastPodListTimeout == std::chrono::milliseconds(0));
  REQUIRE_FALSE(late.warnings.empty());
  CHECK(late.warnings[0] == "new PodSecurity enforce level only checked against the first 1 of 5 existing pods");
}

TEST_CASE("a pod's namespace lookup ends by the request's deadline") {
  Fixture f;
  auto t = makeRequest("CREATE", kPods, "restricted", restrictedPod("p"));
  f.run(t);
  CHECK(f.cluster.lastLookupDeadline == kNoDeadline);
  t.request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  f.run(t);
  CHECK(f.cluster.lastLookupDeadline == t.request.deadline);
}

TEST_CASE("namespaces: pods of an exempt runtime class are not counted against the pod cap") {
  Fixture f;
  f.config.exemptions.runtimeClasses = {"kata"};
  for (int i = 0; i < 3000; ++i) f.cluster.addPod("apps", restrictedPod("web-" + std::to_string(i)));
  f.cluster.addPod("apps", pod("sandboxed", "runtimeClassName: kata\n  hostPID: true"));
  CHECK(f.run(tightenApps()).warnings.empty());  // 3000 of 3000 checked, the exempt pod skipped
}

TEST_CASE("exempt namespaces: a warning names every labelled mode that will be ignored") {
  Fixture f;
  f.config.exemptions.namespaces = {"exempt"};
  auto create = makeRequest("CREATE", kNamespaces, "",
                            "apiVersion: v1\nkind: Namespace\nmetadata: {name: exempt, labels: {pod-security.kubernetes.io/enforce: baseline}}");
  create.request.name = "exempt";
  auto created = f.run(create);
  CHECK(created.allowed);
  REQUIRE(created.warnings.size() == 1);
  CHECK(created.warnings[0] == "namespace \"exempt\" is exempt from Pod Security, and the policy (enforce=baseline:latest) will be ignored");
  auto update = makeRequest("UPDATE", kNamespaces, "exempt",
                            "apiVersion: v1\nkind: Namespace\nmetadata: {name: exempt, labels: {pod-security.kubernetes.io/enforce: restricted, "
                            "pod-security.kubernetes.io/warn: restricted}}",
                            "apiVersion: v1\nkind: Namespace\nmetadata: {name: exempt}");
  update.request.name = "exempt";
  auto updated = f.run(update);
  REQUIRE(updated.warnings.size() == 1);
  CHECK(updated.warnings[0] ==
        "namespace \"exempt\" is exempt from Pod Security, and the policy (enforce=restricted:latest, warn=restricted:latest) will be ignored");
  auto plain = makeRequest("CREATE", kNamespaces, "", "apiVersion: v1\nkind: Namespace\nmetadata: {name: exempt}");
  plain.request.name = "exempt";
  CHECK(f.run(plain).warnings.empty());
}

TEST_CASE("exempt namespaces: the warning lists modes as upstream, enforce then audit then warn, set by level or version") {
  Fixture f;
  f.config.exemptions.namespaces = {"exempt"};
  auto create = [&](const std::string& labels) {
    auto t = makeRequest("CREATE", kNamespaces, "", "apiVersion: v1\nkind: Namespace\nmetadata: {name: exempt, labels: {" + labels + "}}");
    t.request.name = "exempt";
    return f.run(t).warnings;
  };
  auto all = create("pod-security.kubernetes.io/warn: restricted, pod-security.kubernetes.io/audit: baseline, "
                    "pod-security.kubernetes.io/enforce: baseline");
  REQUIRE(all.size() == 1);
  CHECK(all[0] == "namespace \"exempt\" is exempt from Pod Security, and the policy "
                  "(enforce=baseline:latest, audit=baseline:latest, warn=restricted:latest) will be ignored");
  // A version label alone names its mode too (upstream checks the level or the version label).
  f.config.podSecurityDefaults.audit = "baseline";
  auto versionOnly = create("pod-security.kubernetes.io/audit-version: v1.29");
  REQUIRE(versionOnly.size() == 1);
  CHECK(versionOnly[0] == "namespace \"exempt\" is exempt from Pod Security, and the policy (audit=baseline:v1.29) will be ignored");
  // Not the default and not fully privileged, but no labelled mode to name: upstream still warns, with "()".
  f.config.podSecurityDefaults = {};
  f.config.podSecurityDefaults.enforce = "baseline";
  f.config.podSecurityDefaults.audit = "restricted";
  auto unnamed = create("pod-security.kubernetes.io/enforce: privileged");
  REQUIRE(unnamed.size() == 1);
  CHECK(unnamed[0] == "namespace \"exempt\" is exempt from Pod Security, and the policy () will be ignored");
}

TEST_CASE("an invalid version label is refused with upstream's wording") {
  Fixture f;
  auto t = makeRequest("CREATE", kNamespaces, "",
                       "apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy, labels: {pod-security.kubernetes.io/enforce-version: \"1.25\"}}");
  t.request.name = "legacy";
  auto r = f.run(t);
  REQUIRE(r.result);
  CHECK(r.result->code == 422);
  CHECK(r.result->message == "Namespace \"legacy\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce-version]: "
                             "Invalid value: \"1.25\": must be \"latest\" or \"v1.x\"");
}

TEST_CASE("invalid namespace labels are worded as the API server's Invalid error") {
  Fixture f;
  auto t = makeRequest("CREATE", kNamespaces, "", "apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy, labels: {pod-security.kubernetes.io/enforce: bogus}}");
  t.request.name = "legacy";
  auto r = f.run(t);
  REQUIRE(r.result);
  CHECK(r.result->message ==
        "Namespace \"legacy\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"bogus\": must be one of privileged, baseline, restricted");
  CHECK(r.result->detailsKind == "Namespace");
  CHECK(r.result->detailsName == "legacy");
}

TEST_CASE("a pod that cannot be decoded is a 400 whose reason is also the error audit annotation, as upstream's errorResponse") {
  Fixture f;
  auto r = f.run(makeRequest("CREATE", kPods, "restricted",
                             "apiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec: {containers: not-a-list}"));
  CHECK_FALSE(r.allowed);
  REQUIRE(r.result);
  CHECK(r.result->code == 400);
  CHECK(r.result->reason == "BadRequest");
  CHECK_THAT(r.result->message, Catch::StartsWith("failed to decode pod: "));
  CHECK(r.auditAnnotations.at("error") == r.result->message);
}
