#pragma once
// The RBAC objects kguard reads (rbac.authorization.k8s.io/v1), as plain values. Field meanings and
// names follow k8s.io/api/rbac/v1; nothing here is validated beyond JSON types, because the API
// server's authorizer also evaluates whatever it finds (see evaluator.h).
#include <optional>
#include <string>
#include <vector>

#include "kube/label_selector.h"
#include "kube/object_meta.h"

namespace rbac {

struct PolicyRule {
  std::vector<std::string> verbs;
  std::vector<std::string> apiGroups;
  std::vector<std::string> resources;
  std::vector<std::string> resourceNames;
  std::vector<std::string> nonResourceURLs;

  bool operator==(const PolicyRule& o) const {
    return verbs == o.verbs && apiGroups == o.apiGroups && resources == o.resources &&
           resourceNames == o.resourceNames && nonResourceURLs == o.nonResourceURLs;
  }
};

// Role or ClusterRole (namespace_ empty for a ClusterRole).
struct Role {
  bool clusterScoped = false;
  std::string name;
  std::string namespace_;
  kube::StringMap labels;
  std::vector<PolicyRule> rules;
  // ClusterRole aggregationRule.clusterRoleSelectors; nullopt when the role has no aggregationRule.
  std::optional<std::vector<kube::LabelSelector>> aggregationSelectors;
  std::string source;  // "file: document 2" — where it was read, for reports
  std::string file;    // the file alone, and the object's first line (0 = unknown), for SARIF
  int line = 0;

  // "ClusterRole admin" / "Role dev/reader"
  std::string describe() const;
};

struct Subject {
  std::string kind;       // "User", "Group", "ServiceAccount" (anything else matches nobody)
  std::string apiGroup;
  std::string name;
  std::string namespace_;  // ServiceAccount only; empty in a RoleBinding means the binding's namespace

  // "User alice", "Group devs", "ServiceAccount ns/name" (namespace as written; see bindingNamespace)
  std::string describe(const std::string& bindingNamespace = "") const;
};

struct RoleRef {
  std::string apiGroup;
  std::string kind;  // "Role" or "ClusterRole"
  std::string name;
};

// RoleBinding or ClusterRoleBinding (namespace_ empty for a ClusterRoleBinding).
struct Binding {
  bool clusterScoped = false;
  std::string name;
  std::string namespace_;
  kube::StringMap labels;
  RoleRef roleRef;
  std::vector<Subject> subjects;
  std::string source;
  std::string file;
  int line = 0;

  // `ClusterRoleBinding "x"` / `RoleBinding "ns/x"` (upstream's describer spelling)
  std::string describe() const;
};

// Everything RBAC in the input, in input order (order decides which binding a decision reports,
// as the informer list order does upstream).
struct Policy {
  std::vector<Role> roles;         // Roles and ClusterRoles
  std::vector<Binding> bindings;   // RoleBindings and ClusterRoleBindings
};

}  // namespace rbac
