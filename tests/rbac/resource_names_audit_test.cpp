// The audit's one-hop reach respects resourceNames (issue 13, item 1), impersonation of users and
// groups is cluster-scoped (item 2), and pods/exec depends on the Kubernetes version (item 4).
#include <algorithm>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "rbac/audit.h"
#include "rbac/audit_report.h"
#include "rbac_test_util.h"

using namespace rbactest;

namespace {

// Service account ns/name bound (RoleBinding in its namespace, or ClusterRoleBinding) to one rule.
std::string saGrant(const std::string& ns, const std::string& sa, const std::string& rule, bool cluster = false) {
  std::string name = sa + "-grant";
  if (cluster)
    return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: " + name + "}\nrules: [" + rule +
           "]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: " + name +
           "}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: " + name +
           "}\nsubjects: [{kind: ServiceAccount, name: " + sa + ", namespace: " + ns + "}]\n---\n";
  return "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: " + name + ", namespace: " + ns +
         "}\nrules: [" + rule + "]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: " +
         name + ", namespace: " + ns + "}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: " + name +
         "}\nsubjects: [{kind: ServiceAccount, name: " + sa + "}]\n---\n";
}

// cainjector in cert-manager reads every secret cluster-wide: the privileged account a hop could reach.
const std::string kPrivilegedCainjector =
    saGrant("cert-manager", "cert-manager-cainjector", R"({verbs: [get, list], apiGroups: [""], resources: [secrets]})", true);

const rbac::EscalationFinding* findingOf(const std::vector<rbac::EscalationFinding>& findings, const std::string& subject,
                                         const std::string& id) {
  for (const auto& f : findings)
    if (f.subject.name == subject && f.id == "rbac.escalation." + id) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("issue 13/1: a token limited to its own service account leads nowhere else (cert-manager)") {
  auto ev = evaluatorOf(kPrivilegedCainjector +
                        saGrant("cert-manager", "cert-manager",
                                R"({verbs: [create], apiGroups: [""], resources: [serviceaccounts/token], resourceNames: [cert-manager]})"));
  auto findings = rbac::auditEscalationPaths(ev);
  const auto* token = findingOf(findings, "cert-manager", "serviceAccountToken");
  REQUIRE(token);
  CHECK(token->severity == rbac::Severity::Medium);  // high, one lower for the name limit, not raised
  CHECK(token->leadsTo.empty());
  REQUIRE(token->reachesOnly);
  CHECK(token->reachesOnly->size() == 1);
  CHECK(token->path.find("cert-manager-cainjector") == std::string::npos);
  CHECK(token->grants == std::vector<std::string>{"create serviceaccounts/token (only cert-manager)"});
}

TEST_CASE("issue 13/1: a token limited to another, privileged service account leads to it (and only it)") {
  auto ev = evaluatorOf(kPrivilegedCainjector +
                        saGrant("cert-manager", "minter",
                                R"({verbs: [create], apiGroups: [""], resources: [serviceaccounts/token], resourceNames: [cert-manager-cainjector]})") +
                        saGrant("cert-manager", "other", R"({verbs: [get], apiGroups: [""], resources: [secrets]})", true));
  auto findings = rbac::auditEscalationPaths(ev);
  const auto* token = findingOf(findings, "minter", "serviceAccountToken");
  REQUIRE(token);
  CHECK(token->severity == rbac::Severity::Critical);
  REQUIRE(token->leadsTo.size() == 1);
  CHECK(token->leadsTo[0] == "ServiceAccount cert-manager/cert-manager-cainjector: critical read secrets (cluster-wide)");
}

TEST_CASE("issue 13/1: a cluster-wide token grant for one name reaches that name in every namespace only (Calico)") {
  auto ev = evaluatorOf(
      saGrant("kube-system", "calico-kube-controllers", R"({verbs: ["*"], apiGroups: [""], resources: [secrets]})", true) +
      saGrant("kube-system", "calico-node",
              R"({verbs: [create], apiGroups: [""], resources: [serviceaccounts/token], resourceNames: [calico-cni-plugin]})", true) +
      saGrant("other", "calico-cni-plugin", R"({verbs: [create], apiGroups: [""], resources: [pods]})"));
  auto findings = rbac::auditEscalationPaths(ev);
  const auto* token = findingOf(findings, "calico-node", "serviceAccountToken");
  REQUIRE(token);
  CHECK(token->severity == rbac::Severity::High);  // medium after the name limit, raised by other/calico-cni-plugin
  REQUIRE(token->leadsTo.size() == 1);
  CHECK(token->leadsTo[0].rfind("ServiceAccount other/calico-cni-plugin: high", 0) == 0);
}

TEST_CASE("issue 13/1: secrets and pods by name reach no service account; unrestricted grants still do") {
  for (const char* rule : {R"({verbs: [get], apiGroups: [""], resources: [secrets], resourceNames: [webhook-ca]})",
                           R"({verbs: [create], apiGroups: [""], resources: [pods/exec], resourceNames: [web-0]})",
                           R"({verbs: [patch], apiGroups: [""], resources: [pods], resourceNames: [web-0]})"}) {
    INFO(rule);
    auto ev = evaluatorOf(kPrivilegedCainjector + saGrant("cert-manager", "limited", rule));
    auto findings = rbac::auditEscalationPaths(ev);
    bool any = false;
    for (const auto& f : findings) {
      if (f.subject.name != "limited") continue;
      any = true;
      CHECK(f.leadsTo.empty());
      CHECK(f.severity != rbac::Severity::Critical);
    }
    CHECK(any);
  }
  auto ev = evaluatorOf(kPrivilegedCainjector +
                        saGrant("cert-manager", "reader", R"({verbs: [get], apiGroups: [""], resources: [secrets]})"));
  auto readerFindings = rbac::auditEscalationPaths(ev);
  const auto* read = findingOf(readerFindings, "reader", "secretsRead");
  REQUIRE(read);
  CHECK(read->severity == rbac::Severity::Critical);
  CHECK(read->leadsTo.size() == 1);
}

TEST_CASE("issue 13/1: impersonation limited by name reaches the named identities") {
  // Impersonating the group system:masters is everything; impersonating a named harmless user is not.
  auto masters = evaluatorOf(clusterGrant("imp", R"({verbs: [impersonate], apiGroups: [""], resources: [groups], resourceNames: ["system:masters"]})", "u"));
  auto findings = rbac::auditEscalationPaths(masters);
  const auto* f = findingOf(findings, "u", "impersonate");
  REQUIRE(f);
  CHECK(f->severity == rbac::Severity::Critical);
  REQUIRE(!f->leadsTo.empty());
  CHECK(f->leadsTo[0].rfind("Group system:masters: critical", 0) == 0);

  auto harmless = evaluatorOf(clusterGrant("imp", R"({verbs: [impersonate], apiGroups: [""], resources: [users], resourceNames: [bob]})", "u") +
                              clusterGrant("bobs", R"({verbs: [get], apiGroups: [""], resources: [configmaps]})", "bob") +
                              clusterGrant("admin", R"({verbs: ["*"], apiGroups: ["*"], resources: ["*"]})", "carol"));
  findings = rbac::auditEscalationPaths(harmless);
  f = findingOf(findings, "u", "impersonate");
  REQUIRE(f);
  CHECK(f->severity == rbac::Severity::High);  // critical one lower for the name limit; bob holds nothing
  CHECK(f->leadsTo.empty());

  auto admin = evaluatorOf(clusterGrant("imp", R"({verbs: [impersonate], apiGroups: [""], resources: [users], resourceNames: [carol]})", "u") +
                           clusterGrant("admin", R"({verbs: ["*"], apiGroups: ["*"], resources: ["*"]})", "carol"));
  findings = rbac::auditEscalationPaths(admin);
  f = findingOf(findings, "u", "impersonate");
  REQUIRE(f);
  CHECK(f->severity == rbac::Severity::Critical);
  REQUIRE(f->leadsTo.size() == 1);
  CHECK(f->leadsTo[0].rfind("User carol: critical", 0) == 0);

  // Service accounts by name, in the RoleBinding's namespace.
  auto sa = evaluatorOf(kPrivilegedCainjector +
                        saGrant("cert-manager", "imp", R"({verbs: [impersonate], apiGroups: [""], resources: [serviceaccounts], resourceNames: [cert-manager-cainjector]})"));
  findings = rbac::auditEscalationPaths(sa);
  f = findingOf(findings, "imp", "impersonate");
  REQUIRE(f);
  CHECK(f->severity == rbac::Severity::Critical);
  CHECK(f->leadsTo.size() == 1);
}

TEST_CASE("issue 13/2: a RoleBinding never grants impersonation of users, groups, uids or userextras") {
  for (const char* rule : {R"({verbs: [impersonate], apiGroups: [""], resources: [users]})",
                           R"({verbs: [impersonate], apiGroups: [""], resources: [groups]})",
                           R"({verbs: [impersonate], apiGroups: [authentication.k8s.io], resources: [uids, userextras/scopes]})"}) {
    INFO(rule);
    auto ev = evaluatorOf(saGrant("dev", "ns-only", rule));
    CHECK(findingOf(rbac::auditEscalationPaths(ev), "ns-only", "impersonate") == nullptr);
    auto cluster = evaluatorOf(saGrant("dev", "cluster", rule, true));
    CHECK(findingOf(rbac::auditEscalationPaths(cluster), "cluster", "impersonate") != nullptr);
  }
  // serviceaccounts are asked in the service account's namespace: a RoleBinding grants them there.
  auto ev = evaluatorOf(saGrant("dev", "ns-only", R"({verbs: [impersonate], apiGroups: [""], resources: [serviceaccounts]})"));
  auto findings = rbac::auditEscalationPaths(ev);
  const auto* f = findingOf(findings, "ns-only", "impersonate");
  REQUIRE(f);
  CHECK(f->scope == "dev");

  CHECK(rbac::isIdentityImpersonation(res("impersonate", "", "users")));
  CHECK(rbac::isIdentityImpersonation(res("impersonate", "authentication.k8s.io", "userextras", "", "", "scopes")));
  CHECK_FALSE(rbac::isIdentityImpersonation(res("impersonate", "", "serviceaccounts")));
  CHECK_FALSE(rbac::isIdentityImpersonation(res("get", "", "users")));
  CHECK_FALSE(rbac::isIdentityImpersonation(res("impersonate", "apps", "users")));
}

TEST_CASE("issue 13/4: get on pods/exec leads to exec only before Kubernetes 1.35") {
  auto ev = evaluatorOf(clusterGrant("exec", R"({verbs: [get], apiGroups: [""], resources: [pods/exec, pods/attach]})", "u"));
  rbac::AuditOptions before;
  before.kubernetesMinor = 34;
  const auto findings = rbac::auditEscalationPaths(ev, before);
  const auto* f = findingOf(findings, "u", "podExec");
  REQUIRE(f);
  CHECK(f->assumesVersion == "1.34");
  CHECK(f->path.find("assuming Kubernetes 1.34") != std::string::npos);
  rbac::AuditOptions since;
  since.kubernetesMinor = 35;
  CHECK(findingOf(rbac::auditEscalationPaths(ev, since), "u", "podExec") == nullptr);
  CHECK(findingOf(rbac::auditEscalationPaths(ev), "u", "podExec") == nullptr);  // default: the newest, 1.36

  auto create = evaluatorOf(clusterGrant("exec", R"({verbs: [create], apiGroups: [""], resources: [pods/exec]})", "u"));
  auto withCreate = rbac::auditEscalationPaths(create, since);
  f = findingOf(withCreate, "u", "podExec");
  REQUIRE(f);
  CHECK(f->assumesVersion == "1.35");
  CHECK(nlohmann::json::parse(rbac::formatAuditJson(withCreate))[0]["assumesKubernetesVersion"] == "1.35");
  CHECK(nlohmann::json::parse(rbac::formatAuditSarif(withCreate))["runs"][0]["results"][0]["properties"]["assumesKubernetesVersion"] ==
        "1.35");
}

TEST_CASE("bind limited to cluster-admin (or a role granting everything) is not downgraded: it binds cluster-admin") {
  const std::string fullRole =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: everything}\n"
      "rules: [{verbs: ['*'], apiGroups: ['*'], resources: ['*']}]\n---\n";
  auto ev = evaluatorOf(fullRole +
                        saGrant("ci", "binder", R"({verbs: [bind], apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], resourceNames: [everything]})", true) +
                        saGrant("ci", "viewbinder", R"({verbs: [bind], apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], resourceNames: [view]})", true) +
                        saGrant("dev", "nsbinder", R"({verbs: [bind], apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], resourceNames: [everything]})"));
  auto findings = rbac::auditEscalationPaths(ev);
  const auto* bind = findingOf(findings, "binder", "bind");
  REQUIRE(bind);
  CHECK(bind->severity == rbac::Severity::Critical);
  CHECK(bind->grants == std::vector<std::string>{"bind clusterroles.rbac.authorization.k8s.io (only everything)"});
  const auto* view = findingOf(findings, "viewbinder", "bind");  // a deliberate, limited exception: one lower
  REQUIRE(view);
  CHECK(view->severity == rbac::Severity::High);
  const auto* ns = findingOf(findings, "nsbinder", "bind");  // RoleBindings of it in dev: namespace admin
  REQUIRE(ns);
  CHECK(ns->severity == rbac::Severity::High);
}

TEST_CASE("creating pods leads to the service-account groups' grants: every pod's service account is in them") {
  const std::string groupGrant =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: secret-reader}\n"
      "rules: [{verbs: [get, list], apiGroups: [''], resources: [secrets]}]\n---\n"
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ci-sas}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}\n"
      "subjects: [{kind: Group, name: 'system:serviceaccounts:ci'}]\n---\n";
  auto ev = evaluatorOf(groupGrant + saGrant("ci", "maker", R"({verbs: [create], apiGroups: [""], resources: [pods]})") +
                        saGrant("other", "maker2", R"({verbs: [create], apiGroups: [""], resources: [pods]})") +
                        saGrant("other", "minter", R"({verbs: [create], apiGroups: [""], resources: [serviceaccounts/token]})"));
  auto findings = rbac::auditEscalationPaths(ev);
  const auto* pods = findingOf(findings, "maker", "podCreate");
  REQUIRE(pods);
  CHECK(pods->severity == rbac::Severity::Critical);  // high, raised by what the group's members can do
  REQUIRE(!pods->leadsTo.empty());
  CHECK(pods->leadsTo.front().find("Group system:serviceaccounts:ci: critical") == 0);
  const auto* elsewhere = findingOf(findings, "maker2", "podCreate");  // pods in another namespace: not in that group
  REQUIRE(elsewhere);
  CHECK(elsewhere->severity == rbac::Severity::High);  // other/minter (high) is reached, the ci group is not
  CHECK(std::none_of(elsewhere->leadsTo.begin(), elsewhere->leadsTo.end(),
                     [](const std::string& s) { return s.find("system:serviceaccounts:ci") != std::string::npos; }));
}
