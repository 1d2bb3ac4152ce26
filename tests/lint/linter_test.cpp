#include <catch2/catch.hpp>

#include "kube/manifest.h"
#include "lint/linter.h"
#include "lint/pod_security_level.h"
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

TEST_CASE("level choice: flags, then namespace labels, then config") {
  kube::StringMap labels{{"pod-security.kubernetes.io/enforce", "baseline"}, {"pod-security.kubernetes.io/enforce-version", "v1.25"}};
  CHECK(LevelChooser({}, {}, "restricted", "latest").forNamespace(nullptr).toString() == "restricted:latest");
  CHECK(LevelChooser({}, {}, "restricted", "latest").forNamespace(&labels).toString() == "baseline:v1.25");
  CHECK(LevelChooser(std::string("privileged"), {}, "restricted", "latest").forNamespace(&labels).toString() == "privileged:v1.25");
  kube::StringMap invalid{{"pod-security.kubernetes.io/enforce", "bogus"}, {"pod-security.kubernetes.io/enforce-version", "v2"}};
  CHECK(LevelChooser({}, {}, "baseline", "v1.20").forNamespace(&invalid).toString() == "restricted:latest");
  CHECK_THROWS_AS(LevelChooser(std::string("bogus"), {}, "restricted", "latest"), kube::InputError);
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
  CHECK(netpol.results[0].finding.severity == Severity::Warning);
  CHECK_FALSE(netpol.hasViolations());
}

TEST_CASE("undecodable objects are input errors naming the file, line and field") {
  try {
    run("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostIPC: 3\n");
    FAIL("expected an InputError");
  } catch (const kube::InputError& e) {
    CHECK(std::string(e.what()) == "in.yaml: document 1: line 5: spec.hostIPC: expected a boolean, got an integer");
  }
}

TEST_CASE("text report: one line per finding with file and line, then a summary") {
  auto manifests = kube::parseManifests(std::string("# comment\n") + kHostPid, "pod.yaml");
  auto report = lintManifests(manifests, {});
  auto text = formatText(manifests, report);
  CHECK(text.rfind("pod.yaml:2: Pod team/p: hostNamespaces [restricted:latest]: host namespaces (hostPID=true)\n", 0) == 0);
  CHECK(text.find("violations in 1 of 1 objects\n") != std::string::npos);
}

TEST_CASE("the API server's cluster-admin role is not a guardrail finding, a home-made wildcard role is") {
  const std::string rules = "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n";
  auto builtIn = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cluster-admin}\n" + rules);
  CHECK(builtIn.results.empty());
  auto custom = run("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: god-mode}\n" + rules);
  REQUIRE_FALSE(custom.results.empty());
  CHECK(custom.results[0].finding.check == "rbac.wildcardGrant");
}
