#include "rbac/policy.h"

namespace rbac {

std::string Role::describe() const {
  return clusterScoped ? "ClusterRole " + name : "Role " + namespace_ + "/" + name;
}

std::string Subject::describe(const std::string& bindingNamespace) const {
  if (kind == "ServiceAccount") return kind + " " + (namespace_.empty() ? bindingNamespace : namespace_) + "/" + name;
  return kind + " " + name;
}

std::string Binding::describe() const {
  return clusterScoped ? "ClusterRoleBinding " + name : "RoleBinding " + namespace_ + "/" + name;
}

}  // namespace rbac
