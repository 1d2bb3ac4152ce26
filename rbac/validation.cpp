#include "rbac/validation.h"

namespace rbac {
namespace {

// A []string as field.Invalid prints it (%#v).
std::string goStrings(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "\"" : ", \"") + v + "\"";
  return "[]string{" + out + "}";
}

// ValidatePolicyRule, with its messages.
void validateRule(const PolicyRule& rule, bool namespaced, const std::string& path, std::vector<ValidationError>& out) {
  if (rule.verbs.empty()) out.push_back({path + ".verbs", "Required value: verbs must contain at least one value"});
  if (!rule.nonResourceURLs.empty()) {
    const std::string urls = "Invalid value: " + goStrings(rule.nonResourceURLs) + ": ";
    if (namespaced) out.push_back({path + ".nonResourceURLs", urls + "namespaced rules cannot apply to non-resource URLs"});
    if (!rule.apiGroups.empty() || !rule.resources.empty() || !rule.resourceNames.empty())
      out.push_back({path + ".nonResourceURLs", urls + "rules cannot apply to both regular resources and non-resource URLs"});
    return;
  }
  if (rule.apiGroups.empty())
    out.push_back({path + ".apiGroups", "Required value: resource rules must supply at least one api group"});
  if (rule.resources.empty())
    out.push_back({path + ".resources", "Required value: resource rules must supply at least one resource"});
}

}  // namespace

std::vector<ValidationError> validateRole(const Role& role) {
  std::vector<ValidationError> out;
  for (size_t i = 0; i < role.rules.size(); ++i)
    validateRule(role.rules[i], !role.clusterScoped, "rules[" + std::to_string(i) + "]", out);
  return out;
}

std::vector<ValidationError> validateBinding(const Binding& binding) {
  std::vector<ValidationError> out;
  if (!binding.clusterScoped) return out;  // the decoder refuses what ValidateRoleBinding refuses
  if (binding.roleRef.kind != "ClusterRole")
    out.push_back({"roleRef.kind", "Unsupported value: \"" + binding.roleRef.kind + "\": supported values: \"ClusterRole\""});
  // A RoleBinding's ServiceAccount subject without namespace is one of the binding's namespace.
  for (size_t i = 0; i < binding.subjects.size(); ++i)
    if (binding.subjects[i].kind == "ServiceAccount" && binding.subjects[i].namespace_.empty())
      out.push_back({"subjects[" + std::to_string(i) + "].namespace", "Required value"});
  return out;
}

}  // namespace rbac
