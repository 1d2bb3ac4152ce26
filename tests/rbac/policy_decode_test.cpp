// Decoding RBAC objects: kinds, fields, Lists, and errors naming file and field.
#include <catch2/catch.hpp>

#include "kube/json_reader.h"
#include "rbac_test_util.h"

using namespace rbactest;

TEST_CASE("a kubectl List export decodes in order; other kinds and groups are skipped") {
  auto policy = policyOf(R"(
apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: c, labels: {a: b}}
  rules: [{verbs: [get], apiGroups: [""], resources: [pods], resourceNames: [x]}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cm}
- apiVersion: example.com/v1
  kind: Role
  metadata: {name: not-rbac}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: rb, namespace: dev}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
  subjects: [{kind: ServiceAccount, name: sa}]
)");
  REQUIRE(policy.roles.size() == 1);
  CHECK(policy.roles[0].clusterScoped);
  CHECK(policy.roles[0].labels.at("a") == "b");
  CHECK(policy.roles[0].rules[0].resourceNames == std::vector<std::string>{"x"});
  REQUIRE(policy.bindings.size() == 1);
  CHECK(policy.bindings[0].namespace_ == "dev");
  CHECK(policy.bindings[0].subjects[0].kind == "ServiceAccount");
  CHECK(policy.bindings[0].source.find("world.yaml: document 1, items[3]") == 0);
}

TEST_CASE("malformed RBAC objects are input errors naming the file and field") {
  auto error = [](const std::string& yaml) {
    try {
      policyOf(yaml);
    } catch (const kube::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto e1 = error("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\nrules: [{verbs: get}]\n");
  CHECK(e1.find("world.yaml") != std::string::npos);
  CHECK(e1.find("rules[0].verbs") != std::string::npos);
  auto e2 = error("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: c}\nsubjects: [3]\n");
  CHECK(e2.find("subjects[0]") != std::string::npos);
  auto e3 = error(
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\n"
      "aggregationRule: {clusterRoleSelectors: [{matchExpressions: [{key: a, operator: Near}]}]}\n");
  CHECK(e3.find("aggregationRule.clusterRoleSelectors[0]") != std::string::npos);
}

TEST_CASE("bindings the API server refuses (subject kind or name, roleRef) are input errors, not guesses") {
  auto error = [](const std::string& body) {
    try {
      policyOf("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n" + body);
    } catch (const kube::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string ref = "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n";
  // Before, audit reported escalation paths of a subject " bob" and "Usr bob".
  CHECK(error(ref + "subjects: [{name: bob}]\n") ==
        "world.yaml: document 1: line 5: subjects[0].kind: must be User, Group or ServiceAccount, got \"\"");
  CHECK(error(ref + "subjects: [{kind: Usr, name: bob}]\n").find("subjects[0].kind: must be User, Group or ServiceAccount, got \"Usr\"") != std::string::npos);
  CHECK(error(ref + "subjects: [{kind: User}]\n").find("subjects[0].name: required") != std::string::npos);
  CHECK(error(ref + "subjects: [{kind: Group, apiGroup: v1, name: g}]\n").find("subjects[0].apiGroup: must be rbac.authorization.k8s.io") != std::string::npos);
  CHECK(error(ref + "subjects: [{kind: ServiceAccount, apiGroup: rbac.authorization.k8s.io, name: s, namespace: ns1}]\n").find("subjects[0].apiGroup: must be \"\"") != std::string::npos);
  // Before, a binding without roleRef was a note that it "refers to  \"\"".
  CHECK(error("subjects: [{kind: User, name: bob}]\n").find("document 1: line 1: roleRef: required") != std::string::npos);
  CHECK(error("roleRef: {kind: ClusterRole}\n").find("roleRef.name: required") != std::string::npos);
  CHECK(error("roleRef: {kind: Secret, name: x}\n").find("roleRef.kind: must be Role or ClusterRole, got \"Secret\"") != std::string::npos);
  CHECK(error("roleRef: {apiGroup: apps, kind: ClusterRole, name: x}\n").find("roleRef.apiGroup: must be rbac.authorization.k8s.io") != std::string::npos);
  // What the API server defaults is accepted: an empty apiGroup on roleRef and on User/Group subjects.
  CHECK(error("roleRef: {kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: bob}, {kind: Group, name: g}, "
              "{kind: ServiceAccount, name: s, namespace: ns1}]\n") == "");
}

TEST_CASE("decodeObjects: each RBAC manifest decoded once, its role, binding or error by manifest index") {
  auto manifests = kube::parseManifests(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bad}
rules: [{verbs: get}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: dev}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bad-too}
subjects: [3]
)", "world.yaml");
  auto decoded = rbac::decodeObjects(manifests);
  REQUIRE(decoded.objects.size() == 4);
  CHECK(decoded.objectOf(0) == nullptr);  // the ConfigMap
  const auto* bad = decoded.objectOf(1);
  REQUIRE(bad);
  CHECK_FALSE(bad->role);
  CHECK_FALSE(bad->binding);
  CHECK(bad->error.find("world.yaml") != std::string::npos);
  CHECK(bad->error.find("rules[0].verbs") != std::string::npos);
  REQUIRE(decoded.objectOf(2)->binding);
  CHECK(decoded.policy.bindings.at(*decoded.objectOf(2)->binding).name == "rb");
  REQUIRE(decoded.objectOf(3)->role);
  CHECK(decoded.policy.roles.at(*decoded.objectOf(3)->role).name == "r");
  CHECK(decoded.objectOf(4)->error.find("subjects[0]") != std::string::npos);
  CHECK(decoded.objectOf(5) == nullptr);
  // The policy holds the well-formed objects only; decodePolicy throws the first error or skips them all.
  CHECK(decoded.policy.roles.size() == 1);
  CHECK(decoded.policy.bindings.size() == 1);
  CHECK(rbac::decodePolicy(manifests, rbac::Malformed::Skip).roles.size() == 1);
  try {
    rbac::decodePolicy(manifests);
    FAIL("no error");
  } catch (const kube::InputError& e) {
    CHECK(std::string(e.what()) == bad->error);
  }
}
