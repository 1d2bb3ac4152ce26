#pragma once
// Shared helpers for the rbac tests: worlds written as YAML, users and requests in one line.
#include <string>

#include "kube/manifest.h"
#include "rbac/evaluator.h"
#include "rbac/policy_decode.h"
#include "rbac/user_info.h"

namespace rbactest {

inline rbac::Policy policyOf(const std::string& yaml) { return rbac::decodePolicy(kube::parseManifests(yaml, "world.yaml")); }

inline rbac::Evaluator evaluatorOf(const std::string& yaml, rbac::EvaluatorOptions options = {}) {
  return rbac::Evaluator(policyOf(yaml), options);
}

inline rbac::UserInfo user(const std::string& name, std::vector<std::string> groups = {}) { return {name, std::move(groups)}; }

inline rbac::Request res(const std::string& verb, const std::string& group, const std::string& resource,
                         const std::string& ns = "", const std::string& name = "", const std::string& sub = "") {
  return rbac::Request::resource_(verb, group, resource, sub, ns, name);
}

// A ClusterRole `name` with one rule, and a ClusterRoleBinding of it to User `user`.
inline std::string clusterGrant(const std::string& name, const std::string& rule, const std::string& user) {
  return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: " + name + "}\nrules: [" + rule +
         "]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: " + name +
         "}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: " + name +
         "}\nsubjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: " + user + "}]\n---\n";
}

}  // namespace rbactest
