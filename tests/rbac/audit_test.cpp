// Every escalation path, positive and negative, including through wildcards and apiGroups — each is
// decided by the evaluator's own matching.
#include <set>

#include <catch2/catch.hpp>

#include "rbac/audit.h"
#include "rbac_test_util.h"

using namespace rbactest;

namespace {

// The finding ids of User u when `rule` (a YAML flow mapping) is granted cluster-wide.
std::set<std::string> clusterFindings(const std::string& rules) {
  auto ev = evaluatorOf(clusterGrant("grant", rules, "u"));
  std::set<std::string> ids;
  for (const auto& f : rbac::auditEscalationPaths(ev))
    if (f.subject.kind == "User" && f.subject.name == "u") ids.insert(f.id);
  return ids;
}

bool found(const std::string& rules, const std::string& id) { return clusterFindings(rules).count("rbac.escalation." + id) > 0; }

}  // namespace

TEST_CASE("escalation paths: positive and negative per path") {
  struct Case {
    const char* rule;
    const char* path;
    bool expected;
  };
  const std::vector<Case> cases = {
      // pod creation, directly or by controller; apiGroups matter; unnamed create ignores resourceNames
      {R"({verbs: [create], apiGroups: [""], resources: [pods]})", "podCreate", true},
      {R"({verbs: [create], apiGroups: [apps], resources: [deployments]})", "podCreate", true},
      {R"({verbs: [create], apiGroups: [batch], resources: [cronjobs]})", "podCreate", true},
      {R"({verbs: ["*"], apiGroups: [apps], resources: ["*"]})", "podCreate", true},
      {R"({verbs: [create], apiGroups: [""], resources: [deployments]})", "podCreate", false},
      {R"({verbs: [get, list], apiGroups: [""], resources: [pods]})", "podCreate", false},
      {R"({verbs: [create], apiGroups: [""], resources: [pods], resourceNames: [p]})", "podCreate", false},
      {R"({verbs: [create], apiGroups: [""], resources: [pods/exec]})", "podCreate", false},
      // a changed pod template runs in the pods the controller creates next: the next Job of a CronJob,
      // a ReplicaSet's or ReplicationController's next replica (a Job's template is immutable)
      {R"({verbs: [patch], apiGroups: [batch], resources: [cronjobs]})", "podCreate", true},
      {R"({verbs: [update], apiGroups: [apps], resources: [replicasets]})", "podCreate", true},
      {R"({verbs: [patch], apiGroups: [""], resources: [replicationcontrollers]})", "podCreate", true},
      {R"({verbs: [update, patch], apiGroups: [batch], resources: [jobs]})", "podCreate", false},
      // secrets read
      {R"({verbs: [get], apiGroups: [""], resources: [secrets]})", "secretsRead", true},
      {R"({verbs: [watch], apiGroups: [""], resources: [secrets]})", "secretsRead", true},
      {R"({verbs: ["*"], apiGroups: [""], resources: ["*"]})", "secretsRead", true},
      {R"({verbs: [get], apiGroups: ["*"], resources: [secrets]})", "secretsRead", true},
      {R"({verbs: [get], apiGroups: [apps], resources: [secrets]})", "secretsRead", false},
      {R"({verbs: [get], apiGroups: [""], resources: [configmaps]})", "secretsRead", false},
      {R"({verbs: [list], apiGroups: [""], resources: [secrets], resourceNames: [s]})", "secretsRead", false},
      // secrets write
      {R"({verbs: [create], apiGroups: [""], resources: [secrets]})", "secretsWrite", true},
      {R"({verbs: [patch], apiGroups: [""], resources: [secrets]})", "secretsWrite", true},
      {R"({verbs: [get, list, delete], apiGroups: [""], resources: [secrets]})", "secretsWrite", false},
      // TokenRequest
      {R"({verbs: [create], apiGroups: [""], resources: [serviceaccounts/token]})", "serviceAccountToken", true},
      {R"({verbs: [create], apiGroups: [""], resources: ["*/token"]})", "serviceAccountToken", true},
      {R"({verbs: [create], apiGroups: [""], resources: [serviceaccounts]})", "serviceAccountToken", false},
      // exec / attach; pods does not cover pods/exec; pods/* is no wildcard
      // (get alone leads to exec only before Kubernetes 1.35, the default here: resource_names_audit_test.cpp)
      {R"({verbs: [get], apiGroups: [""], resources: [pods/exec]})", "podExec", false},
      {R"({verbs: [create], apiGroups: [""], resources: [pods/exec]})", "podExec", true},
      {R"({verbs: [create], apiGroups: [""], resources: [pods/attach]})", "podExec", true},
      {R"({verbs: [create, get], apiGroups: [""], resources: [pods]})", "podExec", false},
      {R"({verbs: [create], apiGroups: [""], resources: ["pods/*"]})", "podExec", false},
      {R"({verbs: [create], apiGroups: [apps], resources: [pods/exec]})", "podExec", false},
      // ephemeral containers and pod updates
      {R"({verbs: [patch], apiGroups: [""], resources: [pods/ephemeralcontainers]})", "ephemeralContainers", true},
      {R"({verbs: [patch], apiGroups: [""], resources: [pods/status]})", "ephemeralContainers", false},
      {R"({verbs: [update], apiGroups: [""], resources: [pods]})", "podUpdate", true},
      {R"({verbs: [update], apiGroups: [""], resources: [pods/status]})", "podUpdate", false},
      // kubelet via nodes/proxy, get or create
      {R"({verbs: [get], apiGroups: [""], resources: [nodes/proxy]})", "nodeProxy", true},
      {R"({verbs: [create], apiGroups: ["*"], resources: ["*"]})", "nodeProxy", true},
      {R"({verbs: [get, list], apiGroups: [""], resources: [nodes]})", "nodeProxy", false},
      // escalate / bind on roles and clusterroles (not on the binding resources)
      {R"({verbs: [escalate], apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles]})", "escalate", true},
      {R"({verbs: [escalate], apiGroups: [""], resources: [clusterroles]})", "escalate", false},
      {R"({verbs: [escalate], apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings]})", "escalate", false},
      {R"({verbs: [bind], apiGroups: [rbac.authorization.k8s.io], resources: [roles]})", "bind", true},
      {R"({verbs: ["*"], apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles]})", "bind", true},
      {R"({verbs: [bind], apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings, clusterrolebindings]})", "bind", false},
      {R"({verbs: [create], apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles]})", "bind", false},
      // impersonation
      {R"({verbs: [impersonate], apiGroups: [""], resources: [users]})", "impersonate", true},
      {R"({verbs: [impersonate], apiGroups: [""], resources: [serviceaccounts]})", "impersonate", true},
      {R"({verbs: [impersonate], apiGroups: [authentication.k8s.io], resources: [userextras/scopes]})", "impersonate", true},
      // every user-extra key is its own subresource (impersonation.go asks userextras/KEY)
      {R"({verbs: [impersonate], apiGroups: [authentication.k8s.io], resources: [userextras/reason]})", "impersonate", true},
      {R"({verbs: [impersonate], apiGroups: ["*"], resources: ["*/acme.io/team"]})", "impersonate", true},
      {R"({verbs: [impersonate], apiGroups: [authentication.k8s.io], resources: [uids]})", "impersonate", true},
      {R"({verbs: [impersonate], apiGroups: [""], resources: [groups]})", "impersonate", true},
      {R"({verbs: [impersonate], apiGroups: [authentication.k8s.io], resources: [userextras]})", "impersonate", false},
      {R"({verbs: [impersonate], apiGroups: [""], resources: [userextras/reason]})", "impersonate", false},
      {R"({verbs: [create], apiGroups: [""], resources: [serviceaccounts/token]})", "serviceAccountToken", true},
      {R"({verbs: [get], apiGroups: [""], resources: [serviceaccounts/token]})", "serviceAccountToken", false},
      {R"({verbs: [impersonate], apiGroups: [authentication.k8s.io], resources: [users, groups]})", "impersonate", false},
      {R"({verbs: [get], apiGroups: [""], resources: [users, groups, serviceaccounts]})", "impersonate", false},
      // admission webhooks, persistent volumes, namespaces, endpoints
      {R"({verbs: [patch], apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations]})", "admissionWebhooks", true},
      {R"({verbs: [get, list], apiGroups: [admissionregistration.k8s.io], resources: ["*"]})", "admissionWebhooks", false},
      // admission policies (in-process admission control), APIServices, the proxy subresources
      {R"({verbs: [delete], apiGroups: [admissionregistration.k8s.io], resources: [validatingadmissionpolicybindings]})", "admissionPolicies", true},
      {R"({verbs: [update], apiGroups: [admissionregistration.k8s.io], resources: [validatingadmissionpolicies]})", "admissionPolicies", true},
      {R"({verbs: [create], apiGroups: [admissionregistration.k8s.io], resources: [mutatingadmissionpolicies]})", "admissionPolicies", true},
      {R"({verbs: [get, list, watch], apiGroups: [admissionregistration.k8s.io], resources: ["*"]})", "admissionPolicies", false},
      {R"({verbs: [patch], apiGroups: [admissionregistration.k8s.io], resources: [validatingadmissionpolicies/status]})", "admissionPolicies", false},
      {R"({verbs: [patch], apiGroups: [admissionregistration.k8s.io], resources: [validatingwebhookconfigurations]})", "admissionPolicies", false},
      {R"({verbs: [create], apiGroups: [apiregistration.k8s.io], resources: [apiservices]})", "apiServices", true},
      {R"({verbs: [patch], apiGroups: ["*"], resources: [apiservices]})", "apiServices", true},
      {R"({verbs: [update], apiGroups: [apiregistration.k8s.io], resources: [apiservices/status]})", "apiServices", false},
      {R"({verbs: [get, list], apiGroups: [apiregistration.k8s.io], resources: [apiservices]})", "apiServices", false},
      {R"({verbs: [get], apiGroups: [""], resources: [services/proxy]})", "proxySubresources", true},
      {R"({verbs: [create], apiGroups: [""], resources: [pods/proxy]})", "proxySubresources", true},
      {R"({verbs: [get], apiGroups: [""], resources: [services, pods]})", "proxySubresources", false},
      {R"({verbs: [get], apiGroups: [""], resources: [nodes/proxy]})", "proxySubresources", false},
      {R"({verbs: [create], apiGroups: [""], resources: [persistentvolumes]})", "persistentVolumeCreate", true},
      {R"({verbs: [create], apiGroups: [""], resources: [persistentvolumeclaims]})", "persistentVolumeCreate", false},
      {R"({verbs: [patch], apiGroups: [""], resources: [namespaces]})", "namespaceUpdate", true},
      {R"({verbs: [get], apiGroups: [""], resources: [namespaces]})", "namespaceUpdate", false},
      {R"({verbs: [create], apiGroups: [discovery.k8s.io], resources: [endpointslices]})", "endpointsWrite", true},
      {R"({verbs: [update], apiGroups: [""], resources: [endpoints]})", "endpointsWrite", true},
      {R"({verbs: [create], apiGroups: [""], resources: [endpointslices]})", "endpointsWrite", false},
      // each path through wildcards in verbs, apiGroups or resources (and `*/sub`)
      {R"({verbs: ["*"], apiGroups: ["*"], resources: [roles]})", "escalate", true},
      {R"({verbs: [impersonate], apiGroups: [""], resources: ["*"]})", "impersonate", true},
      {R"({verbs: ["*"], apiGroups: [certificates.k8s.io], resources: ["*"]})", "csrApproval", true},
      {R"({verbs: [create], apiGroups: [""], resources: ["*"]})", "podExec", true},
      {R"({verbs: [create], apiGroups: ["*"], resources: ["*/exec"]})", "podExec", true},
      {R"({verbs: [get], apiGroups: ["*"], resources: ["*/exec"]})", "podExec", false},
      {R"({verbs: [patch], apiGroups: ["*"], resources: ["*/ephemeralcontainers"]})", "ephemeralContainers", true},
      {R"({verbs: ["*"], apiGroups: [""], resources: [pods]})", "podUpdate", true},
      {R"({verbs: ["*"], apiGroups: [""], resources: [secrets]})", "secretsWrite", true},
      {R"({verbs: [create], apiGroups: ["*"], resources: ["*"]})", "admissionWebhooks", true},
      {R"({verbs: ["*"], apiGroups: ["*"], resources: [persistentvolumes]})", "persistentVolumeCreate", true},
      {R"({verbs: ["*"], apiGroups: [""], resources: ["*"]})", "namespaceUpdate", true},
      {R"({verbs: ["*"], apiGroups: ["*"], resources: [endpointslices]})", "endpointsWrite", true},
      {R"({verbs: ["*"], apiGroups: [apps], resources: ["*"]})", "secretsRead", false},
      {R"({verbs: ["*"], apiGroups: [apps], resources: ["*"]})", "impersonate", false},
      {R"({verbs: ["*"], apiGroups: ["*"], resources: ["*/status"]})", "podExec", false},
      {R"({verbs: [list, watch], apiGroups: ["*"], resources: ["*"]})", "podExec", false},
      // wildcards
      {R"({verbs: ["*"], apiGroups: ["*"], resources: ["*"]})", "fullWildcard", true},
      {R"({verbs: ["*"], apiGroups: [""], resources: ["*"]})", "fullWildcard", false},
      {R"({verbs: ["*"], apiGroups: [""], resources: ["*"]})", "wildcardRule", true},
      {R"({verbs: [get], apiGroups: [""], resources: [pods]})", "wildcardRule", false},
  };
  for (const auto& c : cases) {
    INFO(c.path << " " << c.rule);
    CHECK(found(c.rule, c.path) == c.expected);
  }
}

TEST_CASE("CSR approval needs approve on a signer and update of the approval subresource") {
  const char* approval = R"({verbs: [update], apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval]})";
  CHECK(found(std::string(R"({verbs: [approve], apiGroups: [certificates.k8s.io], resources: [signers]}, )") + approval, "csrApproval"));
  CHECK(found(std::string(R"({verbs: [approve], apiGroups: [certificates.k8s.io], resources: [signers], resourceNames: ["kubernetes.io/kube-apiserver-client"]}, )") + approval,
              "csrApproval"));
  CHECK_FALSE(found(R"({verbs: [approve], apiGroups: [certificates.k8s.io], resources: [signers]})", "csrApproval"));
  CHECK_FALSE(found(approval, "csrApproval"));
  CHECK_FALSE(found(std::string(R"({verbs: [approve], apiGroups: [""], resources: [signers]}, )") + approval, "csrApproval"));
}

TEST_CASE("scope: RoleBindings give namespaced paths; cluster-scoped paths need a ClusterRoleBinding") {
  auto ev = evaluatorOf(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: power}
rules:
- {verbs: [get], apiGroups: [""], resources: [secrets, nodes/proxy]}
- {verbs: [update], apiGroups: [""], resources: [namespaces]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: power, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: power}
subjects: [{kind: ServiceAccount, name: ci}]
)");
  auto findings = rbac::auditEscalationPaths(ev);
  std::set<std::string> ids;
  for (const auto& f : findings) {
    CHECK(f.subject.describe() == "ServiceAccount dev/ci");
    CHECK(f.scope == "dev");
    ids.insert(f.id);
  }
  CHECK(ids.count("rbac.escalation.secretsRead"));
  CHECK(ids.count("rbac.escalation.namespaceUpdate"));  // its own namespace: RequestInfo namespace = name
  CHECK_FALSE(ids.count("rbac.escalation.nodeProxy"));
  for (const auto& f : findings)
    if (f.id == "rbac.escalation.secretsRead") {
      CHECK(f.severity == rbac::Severity::High);
      REQUIRE(f.chain.size() == 1);
      CHECK(f.chain[0].binding == "RoleBinding dev/power");
      CHECK(f.chain[0].role == "ClusterRole power");
      CHECK(f.chain[0].rule == 0);
    }
}

TEST_CASE("cluster-wide grants are reported once, not again per namespace; named grants are downgraded") {
  auto ev = evaluatorOf(clusterGrant("read", R"({verbs: [get], apiGroups: [""], resources: [secrets]})", "u") + R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: also, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: u}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: one-secret, namespace: dev}
rules: [{verbs: [get], apiGroups: [""], resources: [secrets], resourceNames: [db-password]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: one, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: one-secret}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: v}]
)");
  int uSecrets = 0;
  for (const auto& f : rbac::auditEscalationPaths(ev)) {
    if (f.id != "rbac.escalation.secretsRead") continue;
    if (f.subject.name == "u") {
      ++uSecrets;
      CHECK(f.scope.empty());
      CHECK(f.severity == rbac::Severity::Critical);
    } else {
      CHECK(f.subject.name == "v");
      CHECK(f.severity == rbac::Severity::Medium);  // High in a namespace, downgraded: one named secret
      CHECK(f.grants.at(0) == "get secrets (only db-password)");
    }
  }
  CHECK(uSecrets == 1);
}

TEST_CASE("grants to everyone are findings; the API server's own default bindings are left out") {
  auto ev = evaluatorOf(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: lookers}
rules: [{verbs: [get], apiGroups: [""], resources: [configmaps]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: anon}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: lookers}
subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: system:unauthenticated}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: system:discovery, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: lookers}
subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: system:authenticated}]
)");
  auto findings = rbac::auditEscalationPaths(ev);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].id == "rbac.escalation.grantToEveryone");
  CHECK(findings[0].subject.name == "system:unauthenticated");
  CHECK(findings[0].severity == rbac::Severity::High);
  rbac::AuditOptions withDefaults;
  withDefaults.includeDefaults = true;
  CHECK(rbac::auditEscalationPaths(ev, withDefaults).size() == 2);
}

TEST_CASE("one hop: running pods in a namespace reaches its service accounts' privileges") {
  auto ev = evaluatorOf(clusterGrant("secrets", R"({verbs: [list], apiGroups: [""], resources: [secrets]})", "nobody") + R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secrets}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: run, namespace: ci}
rules: [{verbs: [create], apiGroups: [""], resources: [pods]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-runs, namespace: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: run}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: run, namespace: other}
rules: [{verbs: [create], apiGroups: [""], resources: [pods]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bob-runs, namespace: other}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: run}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}]
)");
  bool alice = false, bob = false;
  for (const auto& f : rbac::auditEscalationPaths(ev)) {
    if (f.id != "rbac.escalation.podCreate") continue;
    if (f.subject.name == "alice") {
      alice = true;
      CHECK(f.severity == rbac::Severity::Critical);  // raised from high: it reaches ci/deployer
      REQUIRE(f.leadsTo.size() == 1);
      CHECK(f.leadsTo[0] == "ServiceAccount ci/deployer: critical read secrets (cluster-wide)");
    }
    if (f.subject.name == "bob") {
      bob = true;
      CHECK(f.severity == rbac::Severity::High);  // namespace other has no privileged service account
      CHECK(f.leadsTo.empty());
    }
  }
  CHECK(alice);
  CHECK(bob);
}

TEST_CASE("groups and service accounts are audited as subjects of their own") {
  auto ev = evaluatorOf(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: exec}
rules: [{verbs: [create], apiGroups: [""], resources: [pods/exec]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: exec, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: exec}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: devs}
- {kind: ServiceAccount, name: ci}
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: "system:serviceaccount:dev:ci"}
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:masters"}
)");
  std::vector<std::string> subjects;
  for (const auto& f : rbac::auditEscalationPaths(ev)) subjects.push_back(f.subject.describe() + " " + f.scope);
  // The User spelled as a service account is the same identity: reported once. system:masters bypasses RBAC.
  CHECK(subjects == std::vector<std::string>{"Group devs dev", "ServiceAccount dev/ci dev"});
}
