#include <catch2/catch.hpp>

#include "kube/manifest.h"
#include "lint/linter.h"
#include "lint/report_format.h"

using namespace lint;

namespace {

LintReport run(const std::string& yaml, LintOptions options = {}) {
  static std::vector<kube::Manifest> keep;  // findings point at manifests by index
  keep = kube::parseManifests(yaml, "in.yaml");
  return lintManifests(keep, options);
}

std::vector<std::string> checks(const LintReport& r) {
  std::vector<std::string> out;
  for (const auto& x : r.results) out.push_back(x.finding.check);
  return out;
}

const char* kHostPid = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\nspec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n";

}  // namespace

// The level a pod in namespace `team` with hostPID is judged at, given team's labels (none: no Namespace object).
std::string levelJudged(const char* labels, LintOptions options = {}) {
  std::string yaml = labels ? std::string("apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {") + labels + "}}\n---\n" : "";
  auto r = run(yaml + kHostPid, options);
  for (const auto& x : r.results)
    if (x.finding.check != "podSecurity.invalidLabel") return x.finding.level;
  return "none";
}

TEST_CASE("level choice: flags, then namespace labels (as admission reads them), then config") {
  const char* labels = "pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/enforce-version: v1.25";
  CHECK(levelJudged(nullptr) == "restricted:latest");
  CHECK(levelJudged(labels) == "baseline:v1.25");
  LintOptions flag;
  flag.level = "restricted";
  CHECK(levelJudged(labels, flag) == "restricted:v1.25");
  LintOptions config;
  config.config.lintLevel = "baseline";
  config.config.lintVersion = "v1.20";
  CHECK(levelJudged(nullptr, config) == "baseline:v1.20");
  CHECK(levelJudged("other: x", config) == "baseline:v1.20");
  // An invalid enforce level reads as restricted, an invalid version as latest (upstream fails closed).
  CHECK(levelJudged("pod-security.kubernetes.io/enforce: bogus, pod-security.kubernetes.io/enforce-version: v2", config) ==
        "restricted:latest");
  LintOptions bogus;
  bogus.level = "bogus";
  CHECK_THROWS_AS(run(kHostPid, bogus), kube::InputError);
}

TEST_CASE("invalid Pod Security labels on a Namespace are findings: admission refuses to create it") {
  auto r = run("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels:\n"
               "    pod-security.kubernetes.io/enforce: Baseline\n    pod-security.kubernetes.io/warn-version: \"1.25\"\n"
               "    pod-security.kubernetes.io/audit: restricted\n");
  REQUIRE(checks(r) == std::vector<std::string>{"podSecurity.invalidLabel", "podSecurity.invalidLabel"});
  CHECK(r.hasViolations());
  CHECK(r.results[0].finding.message ==
        "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"Baseline\": must be one of privileged, baseline, restricted");
  CHECK(r.results[0].finding.field == "metadata.labels[\"pod-security.kubernetes.io/enforce\"]");
  CHECK(r.results[1].finding.message ==
        "metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"1.25\": must be \"latest\" or \"v1.x\"");
  // Valid labels (any known version, `latest`, versions newer than known) and other labels are fine.
  CHECK(run("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels:\n"
            "    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/enforce-version: v1.99\n"
            "    pod-security.kubernetes.io/warn-version: latest\n    pod-security.kubernetes.io/other: x\n")
            .results.empty());
  // Invalid even in an exempt namespace: upstream validates the labels before it looks at exemptions.
  LintOptions exempt;
  exempt.config.exemptions.namespaces = {"team"};
  CHECK(checks(run("apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {pod-security.kubernetes.io/enforce: x}}\n",
                   exempt)) == std::vector<std::string>{"podSecurity.invalidLabel"});
}

TEST_CASE("Pod Security findings carry the check id, level and upstream wording") {
  auto r = run(kHostPid);
  REQUIRE(!r.results.empty());
  CHECK(r.hasViolations());
  const auto& f = r.results[0].finding;
  CHECK(f.check == "hostNamespaces");
  CHECK(f.level == "restricted:latest");
  CHECK(f.message == "host namespaces (hostPID=true)");
}

TEST_CASE("a Namespace object in the input sets its pods' level") {
  auto r = run(std::string("apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {pod-security.kubernetes.io/enforce: privileged}}\n---\n") + kHostPid);
  CHECK(r.results.empty());
  LintOptions other;
  other.defaultNamespace = "elsewhere";  // the pod names its namespace, so -n does not matter
  CHECK(run(std::string("apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {pod-security.kubernetes.io/enforce: privileged}}\n---\n") + kHostPid, other).results.empty());
}

TEST_CASE("kguard rules, RBAC guardrails and NetworkPolicy lint all report through lint") {
  LintOptions options;
  options.level = "privileged";
  options.config.rules.disallowLatestTag = true;
  auto rules = run(kHostPid, options);
  CHECK(checks(rules) == std::vector<std::string>{"kguard.imageLatestTag"});
  CHECK(rules.results[0].finding.field == "spec.containers[0].image");

  options.config.rulesMode = config::Mode::Warn;
  CHECK_FALSE(run(kHostPid, options).hasViolations());  // warn mode reports, does not fail

  auto rbac = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: anon}\n"
                  "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n"
                  "subjects: [{kind: Group, name: system:unauthenticated, apiGroup: rbac.authorization.k8s.io}]\n");
  REQUIRE(!rbac.results.empty());
  CHECK(rbac.results[0].finding.check == "rbac.anonymousBinding");

  auto netpol = run("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: team}\n"
                    "spec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.244.1.10/4}}]}]\n");
  REQUIRE(!netpol.results.empty());
  CHECK(netpol.results[0].finding.check == "netpol.cidrHostBits");
  CHECK(netpol.results[0].finding.enforcement == Enforcement::Warning);
  CHECK_FALSE(netpol.hasViolations());
}

TEST_CASE("rbac.invalid: RBAC objects the API server refuses, with upstream's field and message, not judged further") {
  // ValidatePolicyRule: a Role's rule without apiGroups, resources or verbs, or with nonResourceURLs.
  auto role = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: team}\n"
                  "rules:\n- {verbs: ['*'], resources: ['*']}\n- {apiGroups: ['']}\n- {verbs: [get], nonResourceURLs: [/healthz]}\n");
  REQUIRE(role.results.size() == 4);
  for (const auto& r : role.results) {
    CHECK(r.finding.check == "rbac.invalid");
    CHECK(r.finding.enforcement == Enforcement::Error);
  }
  CHECK(role.results[0].finding.field == "rules[0].apiGroups");
  CHECK(role.results[0].finding.message == "Required value: resource rules must supply at least one api group");
  CHECK(role.results[1].finding.field == "rules[1].verbs");
  CHECK(role.results[2].finding.field == "rules[1].resources");
  CHECK(role.results[3].finding.field == "rules[2].nonResourceURLs");
  CHECK(role.results[3].finding.message ==
        "Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs");  // no wildcardGrant

  // A ClusterRole may hold nonResourceURLs, but not beside resources; one with neither has no api group.
  auto cluster = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\nrules:\n"
                     "- {verbs: [get], nonResourceURLs: [/healthz]}\n- {verbs: [get], resources: [pods], nonResourceURLs: ['*']}\n"
                     "- {verbs: [get]}\n");
  REQUIRE(checks(cluster) == std::vector<std::string>{"rbac.invalid", "rbac.invalid", "rbac.invalid"});
  CHECK(cluster.results[0].finding.field == "rules[1].nonResourceURLs");
  CHECK(cluster.results[0].finding.message ==
        "Invalid value: []string{\"*\"}: rules cannot apply to both regular resources and non-resource URLs");
  CHECK(cluster.results[1].finding.field == "rules[2].apiGroups");
  CHECK(cluster.results[2].finding.field == "rules[2].resources");

  // ValidateClusterRoleBinding: a ClusterRole only, and ServiceAccounts with their namespace.
  auto crb = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n"
                 "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n"
                 "subjects: [{kind: ServiceAccount, name: sa}, {kind: ServiceAccount, name: sa, namespace: team}]\n");
  REQUIRE(checks(crb) == std::vector<std::string>{"rbac.invalid", "rbac.invalid"});
  CHECK(crb.results[0].finding.field == "roleRef.kind");
  CHECK(crb.results[0].finding.message == "Unsupported value: \"Role\": supported values: \"ClusterRole\"");
  CHECK(crb.results[1].finding.field == "subjects[0].namespace");
  CHECK(crb.results[1].finding.message == "Required value");

  // What the API server accepts: defaulted apiGroups (roleRef, User/Group subjects), a RoleBinding's
  // ServiceAccount without namespace (the binding's), a Role's resource rule.
  auto accepted = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: team}\n"
                      "roleRef: {kind: Role, name: r}\n"
                      "subjects: [{kind: ServiceAccount, name: sa}, {kind: User, name: u}, {kind: Group, name: g}]\n"
                      "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: team}\n"
                      "rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]\n");
  CHECK(accepted.results.empty());
  CHECK(accepted.errors.empty());
}

TEST_CASE("undecodable objects are input errors naming the file, line and field; the others are still judged") {
  auto r = run(std::string("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostIPC: 3\n---\n") + kHostPid);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "in.yaml: document 1: line 5: spec.hostIPC: expected a boolean, got an integer");
  REQUIRE(!r.results.empty());
  CHECK(r.results[0].manifest == 1);  // the second document, judged all the same
  CHECK(r.results[0].finding.check == "hostNamespaces");
}

TEST_CASE("text report: one line per finding with file and line, then a summary") {
  auto manifests = kube::parseManifests(std::string("# comment\n") + kHostPid, "pod.yaml");
  auto report = lintManifests(manifests, {});
  auto text = formatText(manifests, report);
  // The line is hostPID's, not the object's first line.
  CHECK(text.rfind("pod.yaml:6: Pod team/p: hostNamespaces [restricted:latest]: host namespaces (hostPID=true)\n", 0) == 0);
  CHECK(text.find("violations in 1 of 1 objects\n") != std::string::npos);
  CHECK(text.find("\nby check: ") != std::string::npos);
  CHECK(text.find("\nmost findings: Pod team/p ") != std::string::npos);
}

TEST_CASE("text summary names the line an item of a JSON List starts at (kubectl get -o json)") {
  const std::string list = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n"
                           "  {\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}},\n"
                           "  {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"namespace\": \"team\"},\n"
                           "   \"spec\": {\"hostPID\": true, \"containers\": [{\"name\": \"c\", \"image\": \"i\"}]}}]}\n";
  auto manifests = kube::parseManifests(list, "export.json");
  auto text = formatText(manifests, lintManifests(manifests, {}));
  CHECK(text.find("\nmost findings: Pod team/p 5 (export.json:3)\n") != std::string::npos);
}

TEST_CASE("the API server's cluster-admin role is not a guardrail finding, a home-made wildcard role is") {
  const std::string rules = "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n";
  auto builtIn = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cluster-admin}\n" + rules);
  CHECK(builtIn.results.empty());
  auto custom = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: god-mode}\n" + rules);
  REQUIRE_FALSE(custom.results.empty());
  CHECK(custom.results[0].finding.check == "rbac.wildcardGrant");
}

TEST_CASE("config podSecurity.exemptions: namespaces skip Pod Security and kguard rules, runtimeClasses Pod Security") {
  LintOptions options;
  options.config.rules.disallowLatestTag = true;
  options.config.exemptions.namespaces = {"team"};
  auto exempt = run(kHostPid, options);
  CHECK(exempt.results.empty());
  REQUIRE(exempt.exempt.size() == 1);
  CHECK(exempt.exempt[0].second == "namespace team");
  options.defaultNamespace = "team";  // an object without namespace is in -n's namespace
  CHECK(run("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostPID: true, containers: [{name: c, image: x}]}\n", options).results.empty());

  LintOptions runtime;
  runtime.config.rules.disallowLatestTag = true;
  runtime.config.exemptions.runtimeClasses = {"kata"};
  auto kata = run("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\nspec:\n  runtimeClassName: kata\n  hostPID: true\n"
                  "  containers: [{name: c, image: x}]\n", runtime);
  CHECK(checks(kata) == std::vector<std::string>{"kguard.imageLatestTag"});  // kguard rules still apply
  REQUIRE(kata.exempt.size() == 1);
  CHECK(kata.exempt[0].second == "runtimeClass kata, Pod Security only");
  CHECK(run(kHostPid, runtime).results.size() > 1);  // other runtime classes are judged
}

TEST_CASE("kinds no check applies to are listed, not counted as judged objects") {
  auto r = run(std::string(kHostPid) + "---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m}\n"
               "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
  CHECK(r.notEvaluated == std::vector<size_t>{1, 2});
  static std::vector<kube::Manifest> old;
  old = kube::parseManifests("apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: a}\n---\n"
                             "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b}\n---\n"
                             "apiVersion: extensions/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: c}\n", "old.yaml");
  CHECK(formatText(old, lintManifests(old, {})) ==
        "no violations in 0 objects\nread but not evaluated (no check applies): 1 PodDisruptionBudget (policy/v1beta1, "
        "removed in Kubernetes 1.25), 1 PodDisruptionBudget, 1 PodSecurityPolicy (extensions/v1beta1, removed in Kubernetes 1.16)\n");
}

TEST_CASE("guardrail findings do not repeat their id in the message") {
  auto r = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: star}\n"
               "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['get']}]\n");
  REQUIRE(!r.results.empty());
  CHECK(r.results[0].finding.message.rfind("ClusterRole star grants wildcard resources", 0) == 0);
}

TEST_CASE("-n is shown for objects that name no namespace") {
  LintOptions options;
  options.defaultNamespace = "team";
  options.namespaceFromFlag = true;
  auto r = run("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostPID: true, containers: [{name: c, image: x}]}\n", options);
  REQUIRE(!r.results.empty());
  CHECK(r.results[0].assumedNamespace == "team");
  CHECK(run(kHostPid, options).results[0].assumedNamespace.empty());  // it names its own
}

// Kubernetes mounts the token when the pod leaves automountServiceAccountToken unset unless its
// ServiceAccount (same namespace) sets it false (ServiceAccount admission plugin, shouldAutomount).
TEST_CASE("kguard.automountServiceAccountToken reads the pod's ServiceAccount when it is in the input") {
  LintOptions options;
  options.level = "privileged";
  options.config.rules.requireNoServiceAccountToken = true;
  auto account = [](const char* ns, const char* name, const char* automount) {
    return std::string("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ") + name + (ns ? std::string(", namespace: ") + ns : "") +
           "}\n" + automount + "---\n";
  };
  const std::string pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\nspec: {serviceAccountName: runner, containers: [{name: c, image: x}]}\n";
  const std::string defaultPod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n";
  const std::vector<std::string> reported = {"kguard.automountServiceAccountToken"};
  CHECK(checks(run(pod, options)) == reported);  // the account is not in the input
  CHECK(checks(run(account("team", "runner", "automountServiceAccountToken: false\n") + pod, options)).empty());
  CHECK(checks(run(account("team", "runner", "automountServiceAccountToken: true\n") + pod, options)) == reported);
  CHECK(checks(run(account("team", "runner", "") + pod, options)) == reported);
  CHECK(checks(run(account("other", "runner", "automountServiceAccountToken: false\n") + pod, options)) == reported);
  CHECK(checks(run(account("team", "default", "automountServiceAccountToken: false\n") + pod, options)) == reported);
  // No serviceAccountName is "default"; no namespace is lint's default namespace, for both objects.
  CHECK(checks(run(account(nullptr, "default", "automountServiceAccountToken: false\n") + defaultPod, options)).empty());
  // The deprecated spec.serviceAccount names the account when serviceAccountName is empty.
  CHECK(checks(run(account("team", "runner", "automountServiceAccountToken: false\n") +
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\nspec: {serviceAccount: runner, containers: [{name: c, image: x}]}\n",
                   options)).empty());
  // The pod's own field wins over the account's.
  CHECK(checks(run(account("team", "runner", "automountServiceAccountToken: false\n") +
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\n"
                   "spec: {serviceAccountName: runner, automountServiceAccountToken: true, containers: [{name: c, image: x}]}\n",
                   options)) == reported);
  // An offline pod carries no token mount (no admission plugin ran): its mounts do not clear it.
  CHECK(checks(run(defaultPod, options)) == reported);
  // A ServiceAccount that does not decode is an input error naming its field.
  auto bad = run(account("team", "runner", "automountServiceAccountToken: \"no\"\n") + pod, options);
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].find("automountServiceAccountToken: expected a boolean") != std::string::npos);
  CHECK(checks(bad) == reported);
}
