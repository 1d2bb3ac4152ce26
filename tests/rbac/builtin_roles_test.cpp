// Built-in roles (issue 13, item 3): the shipped bootstrap policy, merged under the input, aggregated
// from the input's labels; and --kubernetes-version parsing.
#include <set>
#include <stdexcept>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "rbac/audit.h"
#include "rbac/audit_report.h"
#include "rbac/builtin_roles.h"
#include "rbac/kubernetes_version.h"
#include "rbac_test_util.h"

using namespace rbactest;

namespace {

rbac::Evaluator withBuiltins(const std::string& yaml, int minor = rbac::kNewestKubernetesMinor,
                             rbac::AggregationMode mode = rbac::AggregationMode::RecomputedWhenEmpty) {
  rbac::EvaluatorOptions options;
  options.aggregation = mode;
  return rbac::Evaluator(rbac::withBuiltinRoles(policyOf(yaml), minor), options);
}

const char* kCiAdmin = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
)";

}  // namespace

TEST_CASE("built-in roles: every shipped version has the bootstrap objects upstream names") {
  std::set<int> versions;
  for (const auto& file : rbac::builtinRolesFiles()) versions.insert(file.minor);
  CHECK(versions.count(20));
  CHECK(versions.count(36));
  for (int minor : versions) {
    INFO("Kubernetes 1." << minor);
    rbac::Policy p = rbac::decodePolicy(rbac::builtinRbacManifests(minor));
    std::set<std::string> roles, bindings;
    for (const auto& r : p.roles) roles.insert((r.clusterScoped ? "" : r.namespace_ + "/") + r.name);
    for (const auto& b : p.bindings) bindings.insert((b.clusterScoped ? "" : b.namespace_ + "/") + b.name);
    for (const char* name : {"cluster-admin", "admin", "edit", "view", "system:node", "system:kube-scheduler",
                             "system:controller:replicaset-controller", "kube-system/extension-apiserver-authentication-reader"})
      CHECK(roles.count(name));
    for (const char* name : {"cluster-admin", "system:basic-user", "system:controller:replicaset-controller",
                             "kube-public/system:controller:bootstrap-signer"})
      CHECK(bindings.count(name));
    for (const auto& r : p.roles) CHECK(r.labels.at("kubernetes.io/bootstrapping") == "rbac-defaults");
    CHECK(p.roles.front().source.rfind("built-in Kubernetes 1." + std::to_string(minor) + "/", 0) == 0);
  }
  // Every supported version gets the nearest shipped data at or below it (rbac/builtin/README.md).
  for (int minor = rbac::kOldestKubernetesMinor; minor <= rbac::kNewestKubernetesMinor; ++minor) {
    INFO("Kubernetes 1." << minor);
    int data = rbac::builtinRolesVersionFor(minor);
    CHECK(versions.count(data));
    CHECK(data <= minor);
    CHECK(versions.upper_bound(data) == versions.upper_bound(minor));  // none shipped in (data, minor]
  }
}

TEST_CASE("built-in roles: a service account bound to cluster-admin may do everything") {
  auto sa = user("system:serviceaccount:ci:deployer");
  CHECK(withBuiltins(kCiAdmin).allows(sa, res("get", "", "secrets")));
  CHECK(withBuiltins(kCiAdmin, 20).allows(sa, res("delete", "apps", "deployments", "prod", "web")));
  CHECK_FALSE(evaluatorOf(kCiAdmin).allows(sa, res("get", "", "secrets")));  // without them: nothing
  // The API server's own bindings come too: system:masters via cluster-admin, system:basic-user for everyone.
  auto ev = withBuiltins("");
  CHECK(ev.allows(user("x", {"system:authenticated"}), res("create", "authorization.k8s.io", "selfsubjectaccessreviews")));
  CHECK_FALSE(ev.allows(user("x", {"system:authenticated"}), res("get", "", "secrets", "default")));
}

TEST_CASE("built-in roles: the input's object of the same kind and name wins") {
  auto ev = withBuiltins(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules: [{verbs: [get], apiGroups: [""], resources: [configmaps]}]
)" + std::string("---") + kCiAdmin);
  auto sa = user("system:serviceaccount:ci:deployer");
  CHECK(ev.allows(sa, res("get", "", "configmaps", "a")));
  CHECK_FALSE(ev.allows(sa, res("get", "", "secrets", "a")));
  int admins = 0;
  for (const auto& r : ev.policy().roles) admins += r.clusterScoped && r.name == "cluster-admin";
  CHECK(admins == 1);
}

TEST_CASE("built-in roles: admin, edit and view aggregate the input's aggregate-to labels") {
  const std::string crd = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: widgets-view, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
rules: [{verbs: [get, list], apiGroups: [example.com], resources: [widgets]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-edit, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]
)";
  auto ev = withBuiltins(crd);
  auto alice = user("alice");
  // view -> edit (view carries aggregate-to-edit) -> so alice reads widgets and edits deployments in dev
  CHECK(ev.allows(alice, res("list", "example.com", "widgets", "dev")));
  CHECK(ev.allows(alice, res("update", "apps", "deployments", "dev", "web")));
  CHECK(ev.allows(alice, res("get", "", "secrets", "dev", "s")));
  CHECK_FALSE(ev.allows(alice, res("create", "rbac.authorization.k8s.io", "rolebindings", "dev")));  // admin only
  CHECK_FALSE(ev.allows(alice, res("update", "apps", "deployments", "prod", "web")));
  // Stored: the bootstrap's admin/edit/view are empty until the controller fills them (an API server
  // without controller-manager, as the e2e test's).
  CHECK_FALSE(withBuiltins(crd, rbac::kNewestKubernetesMinor, rbac::AggregationMode::Stored)
                  .allows(alice, res("update", "apps", "deployments", "dev", "web")));
}

TEST_CASE("built-in roles: only labelled objects named as bootstrap objects are the API server's own") {
  kube::StringMap defaults = {{"kubernetes.io/bootstrapping", "rbac-defaults"}};
  CHECK(rbac::isBootstrapObject(false, true, "", "cluster-admin", defaults));
  CHECK(rbac::isBootstrapObject(true, true, "", "system:node-proxier", defaults));
  CHECK(rbac::isBootstrapObject(true, false, "kube-system", "system::leader-locking-kube-scheduler", defaults));
  CHECK_FALSE(rbac::isBootstrapObject(true, true, "", "system:whatever", defaults));  // the label alone is not enough
  CHECK_FALSE(rbac::isBootstrapObject(false, true, "", "cluster-admin", {}));          // nor the name alone
  CHECK_FALSE(rbac::isBootstrapObject(true, true, "", "cluster-admin", {{"kubernetes.io/bootstrapping", "other"}}));
}

TEST_CASE("built-in roles: 1.36's data has roles and rules 1.20's lacks, and is named as development copies") {
  const auto scheduler = user("system:kube-scheduler");
  const auto leaseCandidates = res("update", "coordination.k8s.io", "leasecandidates", "kube-system");
  CHECK(withBuiltins(kCiAdmin, 36).allows(scheduler, leaseCandidates));  // namespace-roles.yaml
  CHECK_FALSE(withBuiltins(kCiAdmin, 20).allows(scheduler, leaseCandidates));
  const auto cleaner = user("system:serviceaccount:kube-system:legacy-service-account-token-cleaner");
  CHECK(withBuiltins(kCiAdmin, 36).allows(cleaner, res("delete", "", "secrets", "prod", "old-token")));  // controller-*.yaml
  CHECK_FALSE(withBuiltins(kCiAdmin, 20).allows(cleaner, res("delete", "", "secrets", "prod", "old-token")));
  CHECK(rbac::builtinRolesName(36) == "Kubernetes 1.36 development");
  CHECK(rbac::builtinRolesName(20) == "Kubernetes 1.20");
  CHECK(rbac::builtinRolesVersionFor(35) == 20);  // 1.21 to 1.35: 1.20's data (none shipped in between)
}

TEST_CASE("--kubernetes-version: 1.N, v1.N, 1.N.P within the supported range") {
  CHECK(rbac::parseKubernetesVersion("1.20") == 20);
  CHECK(rbac::parseKubernetesVersion("v1.35") == 35);
  CHECK(rbac::parseKubernetesVersion("1.36") == 36);
  CHECK(rbac::parseKubernetesVersion("1.30.2") == 30);
  CHECK(rbac::kubernetesVersionName(35) == "1.35");
  for (const char* bad : {"1.19", "1.37", "2.0", "1.", "1.3x", "", "v", "135", "1.20x"}) {
    INFO(bad);
    CHECK_THROWS_AS(rbac::parseKubernetesVersion(bad), std::invalid_argument);
  }
  try {
    rbac::parseKubernetesVersion("1.99");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "unsupported Kubernetes version '1.99' (supported: 1.20 to 1.36)");
  }
}

TEST_CASE("built-in roles: SARIF points only at real files") {
  auto ev = withBuiltins(kCiAdmin);
  rbac::AuditOptions options;
  options.includeDefaults = true;  // the API server's own bindings too, whose source is built in
  auto findings = rbac::auditEscalationPaths(ev, options);
  bool builtinChain = false;
  for (const auto& f : findings)
    for (const auto& link : f.chain) builtinChain = builtinChain || rbac::isBuiltinSource(link.file);
  CHECK(builtinChain);
  auto sarif = nlohmann::json::parse(rbac::formatAuditSarif(findings));
  std::size_t located = 0;
  for (const auto& result : sarif["runs"][0]["results"])
    for (const auto& location : result["locations"]) {
      ++located;
      CHECK(location["physicalLocation"]["artifactLocation"]["uri"] == "world.yaml");
    }
  CHECK(located > 0);
}

TEST_CASE("a server's version: its own when supported, else the nearest supported, with a note") {
  std::string note;
  CHECK(rbac::supportedMinorForServer(1, 20, "v1.20.2", note) == 20);
  CHECK(note.empty());
  CHECK(rbac::supportedMinorForServer(1, 33, "v1.33.1-eks-1", note) == 33);
  CHECK(note.empty());
  CHECK(rbac::supportedMinorForServer(1, 19, "v1.19.16", note) == 20);
  CHECK(note == "the server reports v1.19.16 (1.19), older than the oldest supported 1.20: assuming 1.20");
  CHECK(rbac::supportedMinorForServer(1, 40, "v1.40.0", note) == 36);
  CHECK(note == "the server reports v1.40.0 (1.40), newer than the newest supported 1.36: assuming 1.36");
  CHECK(rbac::supportedMinorForServer(2, 0, "v2.0.0", note) == 36);
  CHECK(note.find("no Kubernetes 1.x") != std::string::npos);
}
