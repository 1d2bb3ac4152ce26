// The webhook's RBAC guardrails judge a binding by the role it refers to as read from the API server
// (admission::RoleGetter; webhook/role_cache.h reads it, tested against a real API server in
// tests/e2e/webhook_e2e_test.sh), not only by the built-in roles.
#include <catch2/catch.hpp>

#include <map>

#include "admission_test_support.h"
#include "fake_cluster.h"
#include "kube/manifest.h"
#include "rbac/policy_decode.h"
#include "webhook/admission/validator.h"

using namespace admission;

namespace {

class FakeRoles : public RoleGetter {
 public:
  std::map<std::string, rbac::Role> roles;  // "ClusterRole/name" or "Role/ns/name"
  bool fail = false;
  int lookups = 0;
  void add(const std::string& yaml) {
    rbac::Role role = rbac::decodeRole(kube::parseManifests(yaml, "role.yaml").at(0).object);
    roles[role.clusterScoped ? "ClusterRole/" + role.name : "Role/" + role.namespace_ + "/" + role.name] = role;
  }
  rbac::Policy stored;  // storedClusterRoles()
  Deadline lastDeadline = kNoDeadline;
  RoleLookup getRole(const std::string& kind, const std::string& ns, const std::string& name, Deadline deadline) override {
    ++lookups;
    lastDeadline = deadline;
    if (fail) return {RoleLookup::Status::Failed, {}, "clusterrole \"" + name + "\": HTTP 403: forbidden"};
    auto it = roles.find(kind == "Role" ? "Role/" + ns + "/" + name : "ClusterRole/" + name);
    if (it == roles.end()) return {RoleLookup::Status::NotFound, {}, ""};
    return {RoleLookup::Status::Found, it->second, ""};
  }
  rbac::Policy storedClusterRoles() const override { return stored; }
};

struct Fixture {
  FakeCluster cluster;
  FakeRoles roles;
  webhook::Metrics metrics;
  config::KguardConfig config;
  Fixture() { cluster.namespaces["ci"] = {}; }
  AdmissionResponse run(const TestRequest& t) {
    Validator v(config, cluster, cluster, metrics, &roles);
    // A binding's role lookup may wait on the API server, an aggregationRule is judged by aggregating
    // every cached ClusterRole: both off the event loop. Other roles wait on nothing.
    const bool binding = t.request.resource.resource == "rolebindings" || t.request.resource.resource == "clusterrolebindings";
    CHECK(v.triage(t.request).mayBlock == (binding || t.object->contains("aggregationRule")));
    return v.validate(t.request);
  }
};

const GroupVersionResource kClusterBindings{"rbac.authorization.k8s.io", "v1", "clusterrolebindings"};
const GroupVersionResource kBindings{"rbac.authorization.k8s.io", "v1", "rolebindings"};

std::string clusterBinding(const std::string& role) {
  return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ci-deployer}\n"
         "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: " + role + "}\n"
         "subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]\n";
}

const char* const kCustomWildcard =
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: everything}\n"
    "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n";

}  // namespace

TEST_CASE("RBAC guardrails at admission: a binding to a custom ClusterRole is judged by its rules from the API server") {
  Fixture f;
  f.roles.add(kCustomWildcard);
  auto r = f.run(makeRequest("CREATE", kClusterBindings, "", clusterBinding("everything")));
  CHECK(f.roles.lookups == 1);
  CHECK(r.allowed);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0] ==
        "would violate kguard RBAC guardrails: rbac.clusterAdminServiceAccount (rbac.clusterAdminServiceAccount: "
        "ClusterRoleBinding ci-deployer binds ClusterRole everything to ServiceAccount ci/deployer (service accounts may "
        "hold everything (every verb on every resource) only in the allowed namespaces))");
  f.config.rbacMode = config::Mode::Enforce;
  CHECK_FALSE(f.run(makeRequest("CREATE", kClusterBindings, "", clusterBinding("everything"))).allowed);
  // A harmless custom role of the same name is not reported.
  f.roles.add("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: everything}\n"
              "rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]\n");
  auto quiet = f.run(makeRequest("CREATE", kClusterBindings, "", clusterBinding("everything")));
  CHECK(quiet.allowed);
  CHECK(quiet.warnings.empty());
}

TEST_CASE("RBAC guardrails at admission: an aggregated ClusterRole is judged by the rules the API server gave it") {
  Fixture f;
  // What the role cache returns for an aggregated role: the rules aggregation resolved.
  f.roles.add("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: collected}\n"
              "aggregationRule: {clusterRoleSelectors: [{matchLabels: {team: ci}}]}\n"
              "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n");
  auto r = f.run(makeRequest("CREATE", kClusterBindings, "", clusterBinding("collected")));
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("rbac.clusterAdminServiceAccount") != std::string::npos);
}

TEST_CASE("RBAC guardrails at admission: a ClusterRole's aggregationRule aggregates the cluster's ClusterRoles") {
  Fixture f;
  // A custom ClusterRole in the cluster (the role cache), selected by the aggregationRule written next:
  // the aggregation controller would copy its wildcard into the new role.
  f.roles.stored.roles.push_back(rbac::decodeRole(
      kube::parseManifests("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                           "metadata: {name: ci-power, labels: {team: ci}}\n"
                           "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n",
                           "role.yaml")
          .at(0)
          .object));
  const GroupVersionResource clusterRoles{"rbac.authorization.k8s.io", "v1", "clusterroles"};
  auto aggregating = makeRequest("CREATE", clusterRoles, "",
                                 "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: collector}\n"
                                 "aggregationRule: {clusterRoleSelectors: [{matchLabels: {team: ci}}]}\nrules: []\n");
  auto r = f.run(aggregating);
  CHECK(r.allowed);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("rbac.wildcardGrant") != std::string::npos);
  CHECK(r.warnings[0].find("ClusterRole collector aggregates") != std::string::npos);
  f.config.rbacMode = config::Mode::Enforce;
  CHECK_FALSE(f.run(aggregating).allowed);
  // Selecting nothing in the cluster: nothing to report.
  f.roles.stored.roles.clear();
  CHECK(f.run(aggregating).warnings.empty());
}

TEST_CASE("RBAC guardrails at admission: a binding's role lookup ends by the request's deadline") {
  Fixture f;
  auto t = makeRequest("CREATE", kClusterBindings, "", clusterBinding("view"));
  t.request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  f.run(t);
  CHECK(f.roles.lastDeadline == t.request.deadline);
}

TEST_CASE("RBAC guardrails at admission: a RoleBinding's Role is read in the binding's namespace") {
  Fixture f;
  const std::string binding =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: ci}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: all}\n"
      "subjects: [{kind: Group, name: 'system:authenticated'}, {kind: User, name: bob}]\n";
  f.roles.add("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: all, namespace: other}\n"
              "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n");
  auto missing = f.run(makeRequest("CREATE", kBindings, "ci", binding));
  CHECK(missing.allowed);
  REQUIRE(missing.warnings.size() == 2);  // the missing role, and system:authenticated (judged by subjects alone)
  CHECK(missing.warnings[0] ==
        "kguard RBAC guardrails: RoleBinding ci/b refers to Role ci/all, which does not exist: what it grants "
        "was not checked (the role's own rules are checked when it is created, not who this binding gives it to)");
  CHECK(missing.warnings[1].find("rbac.authenticatedBinding") != std::string::npos);
  f.roles.add("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: all, namespace: ci}\n"
              "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n");
  auto found = f.run(makeRequest("CREATE", kBindings, "ci", binding));
  REQUIRE(found.warnings.size() == 1);
  CHECK(found.warnings[0].find("rbac.wildcardGrant (rbac.wildcardGrant: RoleBinding ci/b binds Role all to User bob") !=
        std::string::npos);
}

TEST_CASE("RBAC guardrails at admission: a missing role is a warning, even in enforce mode; an unreadable one falls back") {
  Fixture f;
  f.config.rbacMode = config::Mode::Enforce;
  auto missing = f.run(makeRequest("CREATE", kClusterBindings, "", clusterBinding("not-yet")));
  CHECK(missing.allowed);  // as the API server: a binding may precede its role
  REQUIRE(missing.warnings.size() == 1);
  CHECK(missing.warnings[0].find("refers to ClusterRole not-yet, which does not exist") != std::string::npos);
  // A role named in clusterAdminRoles is refused by its name whether it exists or not.
  CHECK_FALSE(f.run(makeRequest("CREATE", kClusterBindings, "", clusterBinding("cluster-admin"))).allowed);

  f.roles.fail = true;
  auto unreadable = f.run(makeRequest("CREATE", kClusterBindings, "", clusterBinding("view")));
  CHECK(unreadable.allowed);
  REQUIRE(unreadable.warnings.size() == 1);
  CHECK(unreadable.warnings[0] ==
        "kguard RBAC guardrails: could not read ClusterRole view of ClusterRoleBinding ci-deployer "
        "(clusterrole \"view\": HTTP 403: forbidden): judged as the built-in role of that name, if there is one");
  // ... and the built-in cluster-admin is still judged by its rules when the lookup fails.
  f.config.rbacGuardrails.clusterAdminRoles.clear();
  f.config.rbacGuardrails.wildcardRoles.clear();
  CHECK_FALSE(f.run(makeRequest("CREATE", kClusterBindings, "", clusterBinding("cluster-admin"))).allowed);
}

namespace {

const GroupVersionResource kClusterRoles{"rbac.authorization.k8s.io", "v1", "clusterroles"};

// A binding admitted before the guardrails (or in warn mode) that they refuse now: cluster-admin for a
// service account outside kube-system. `metadataExtra` goes under metadata, `subjectsExtra` after the subject.
std::string grandfatheredBinding(const std::string& metadataExtra, const std::string& subjectsExtra = "") {
  return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
         "metadata: {name: old-admin" + metadataExtra + "}\n"
         "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
         "subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}" + subjectsExtra + "]\n";
}

std::string wildcardClusterRole(const std::string& metadataExtra, const std::string& rest = "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]") {
  return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: old-everything" + metadataExtra +
         "}\n" + rest + "\n";
}

}  // namespace

TEST_CASE("RBAC guardrails at admission: an UPDATE that leaves subjects and roleRef alone is not judged again") {
  Fixture f;
  f.config.rbacMode = config::Mode::Enforce;
  const std::string held = grandfatheredBinding(", finalizers: [example.com/hold], labels: {team: ci}");
  CHECK_FALSE(f.run(makeRequest("CREATE", kClusterBindings, "", held)).allowed);  // as it is judged when written

  // The garbage collector (or a controller) removes the finalizer of the binding being deleted.
  auto unheld = f.run(makeRequest("UPDATE", kClusterBindings, "", grandfatheredBinding(", labels: {team: ci}"), held));
  CHECK(unheld.allowed);
  CHECK(unheld.warnings.empty());
  CHECK(unheld.auditAnnotations.empty());
  CHECK(f.roles.lookups == 1);  // the CREATE's: the skipped UPDATE reads no role
  // A label, an annotation, an ownerReference: metadata only.
  auto relabelled = f.run(makeRequest(
      "UPDATE", kClusterBindings, "",
      grandfatheredBinding(", finalizers: [example.com/hold], labels: {team: platform}, annotations: {a: b}, "
                           "ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: u1}]"),
      held));
  CHECK(relabelled.allowed);
  CHECK(relabelled.warnings.empty());
  // Adding a subject changes who holds the role: judged, and refused for the subject it names.
  auto widened = f.run(makeRequest(
      "UPDATE", kClusterBindings, "", grandfatheredBinding("", ", {kind: ServiceAccount, name: other, namespace: ci}"),
      grandfatheredBinding("")));
  CHECK_FALSE(widened.allowed);
  CHECK(widened.result->message.find("violates kguard RBAC guardrails: rbac.clusterAdminServiceAccount") != std::string::npos);
  // A binding updated into its first subject is judged too.
  const std::string noSubjects =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: old-admin}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n";
  CHECK_FALSE(f.run(makeRequest("UPDATE", kClusterBindings, "", grandfatheredBinding(""), noSubjects)).allowed);

  // Warn mode: the metadata-only update carries no warning either, the widening one does.
  f.config.rbacMode = config::Mode::Warn;
  CHECK(f.run(makeRequest("UPDATE", kClusterBindings, "", grandfatheredBinding(", labels: {x: y}"), held)).warnings.empty());
  auto widenedWarned = f.run(makeRequest("UPDATE", kClusterBindings, "", grandfatheredBinding("", ", {kind: User, name: bob}"),
                                         grandfatheredBinding("")));
  REQUIRE_FALSE(widenedWarned.warnings.empty());
  CHECK(widenedWarned.warnings.back().find("binds ClusterRole cluster-admin to User bob") != std::string::npos);
}

TEST_CASE("RBAC guardrails at admission: an UPDATE that leaves rules and aggregationRule alone is not judged again") {
  Fixture f;
  f.config.rbacMode = config::Mode::Enforce;
  const std::string held = wildcardClusterRole(", finalizers: [example.com/hold]");
  CHECK_FALSE(f.run(makeRequest("CREATE", kClusterRoles, "", held)).allowed);
  auto unheld = f.run(makeRequest("UPDATE", kClusterRoles, "", wildcardClusterRole(""), held));
  CHECK(unheld.allowed);
  CHECK(unheld.warnings.empty());
  CHECK(f.run(makeRequest("UPDATE", kClusterRoles, "", wildcardClusterRole(", labels: {a: b}"), held)).allowed);
  // Changed rules are judged.
  auto escalated = f.run(makeRequest(
      "UPDATE", kClusterRoles, "",
      wildcardClusterRole("", "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}, {apiGroups: [''], resources: [pods], verbs: [get]}]"),
      held));
  CHECK_FALSE(escalated.allowed);
  // So is a new aggregationRule, even with the same (empty) rules: it selects cluster-admin's rules.
  const std::string empty = wildcardClusterRole("", "rules: []");
  auto aggregating = f.run(makeRequest(
      "UPDATE", kClusterRoles, "",
      wildcardClusterRole("", "aggregationRule: {clusterRoleSelectors: [{matchLabels: {kubernetes.io/bootstrapping: rbac-defaults}}]}\nrules: []"),
      empty));
  CHECK_FALSE(aggregating.allowed);
  CHECK(aggregating.result->message.find("ClusterRole old-everything aggregates") != std::string::npos);
  // That role relabelled, its rules written as [] where they were null (or absent): the same rules.
  const std::string aggregationRule =
      "aggregationRule: {clusterRoleSelectors: [{matchLabels: {kubernetes.io/bootstrapping: rbac-defaults}}]}\n";
  auto relabelled = f.run(makeRequest("UPDATE", kClusterRoles, "", wildcardClusterRole(", labels: {a: b}", aggregationRule + "rules: []"),
                                      wildcardClusterRole("", aggregationRule + "rules: null")));
  CHECK(relabelled.allowed);
  CHECK(relabelled.warnings.empty());
  CHECK(f.run(makeRequest("UPDATE", kClusterRoles, "", wildcardClusterRole(", labels: {a: c}", aggregationRule),
                          wildcardClusterRole("", aggregationRule + "rules: []")))
            .allowed);
}

TEST_CASE("RBAC guardrails at admission: subresources and DELETE are not judged") {
  Fixture f;
  f.config.rbacMode = config::Mode::Enforce;
  auto status = makeRequest("UPDATE", kClusterBindings, "", grandfatheredBinding("", ", {kind: User, name: bob}"),
                            grandfatheredBinding(""));
  status.request.subResource = "status";
  Validator v(f.config, f.cluster, f.cluster, f.metrics, &f.roles);
  CHECK(v.validate(status.request).allowed);
  auto del = makeRequest("DELETE", kClusterBindings, "", grandfatheredBinding(""));
  del.request.oldObject = del.request.object;  // DELETE carries the object as oldObject only
  del.request.object = nullptr;
  CHECK(v.validate(del.request).allowed);
  CHECK(f.roles.lookups == 0);
}
