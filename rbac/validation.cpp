#include "rbac/validation.h"

#include "kube/dns_names.h"
#include "kube/label_validation.h"

namespace rbac {
namespace {

// ValidateRBACName, which is path.IsValidPathSegmentName (k8s.io/apimachinery/pkg/api/validation/path):
// the name of a Role, ClusterRole or binding, and the role a binding refers to, become URL path segments.
std::vector<std::string> pathSegmentNameProblems(const std::string& name) {
  if (name == "." || name == "..") return {"may not be '" + name + "'"};
  std::vector<std::string> out;
  for (const char* illegal : {"/", "%"})
    if (name.find(illegal) != std::string::npos) out.push_back(std::string("may not contain '") + illegal + "'");
  return out;
}

// ValidateObjectMeta's name check with ValidateRBACName (an empty name is not judged here).
void validateName(const std::string& name, const std::string& path, std::vector<ValidationError>& out) {
  for (const auto& problem : pathSegmentNameProblems(name)) out.push_back({path, kube::invalidValue(name, problem)});
}

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
  validateName(role.name, "metadata.name", out);
  for (size_t i = 0; i < role.rules.size(); ++i)
    validateRule(role.rules[i], !role.clusterScoped, "rules[" + std::to_string(i) + "]", out);
  // ValidateClusterRole: an aggregationRule needs a selector (the decoder refuses invalid ones).
  if (role.clusterScoped && role.aggregationSelectors && role.aggregationSelectors->empty())
    out.push_back({"aggregationRule.clusterRoleSelectors",
                   "Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"});
  return out;
}

// ValidateRoleBinding and ValidateClusterRoleBinding. The decoder already refuses what both refuse of the
// roleRef's apiGroup and kind and of a subject's kind and apiGroup, and an empty roleRef or subject name.
std::vector<ValidationError> validateBinding(const Binding& binding) {
  std::vector<ValidationError> out;
  validateName(binding.name, "metadata.name", out);
  if (binding.clusterScoped && binding.roleRef.kind != "ClusterRole")
    out.push_back({"roleRef.kind", "Unsupported value: \"" + binding.roleRef.kind + "\": supported values: \"ClusterRole\""});
  validateName(binding.roleRef.name, "roleRef.name", out);
  for (size_t i = 0; i < binding.subjects.size(); ++i) {
    const Subject& s = binding.subjects[i];
    const std::string path = "subjects[" + std::to_string(i) + "]";
    if (s.kind != "ServiceAccount") continue;
    // ValidateRoleBindingSubject: ValidateServiceAccountName (a DNS subdomain), and in a ClusterRoleBinding a
    // namespace (a RoleBinding's ServiceAccount subject without one is of the binding's namespace).
    for (const auto& problem : kube::dns1123SubdomainProblems(s.name))
      out.push_back({path + ".name", kube::invalidValue(s.name, problem)});
    if (binding.clusterScoped && s.namespace_.empty()) out.push_back({path + ".namespace", "Required value"});
  }
  return out;
}

}  // namespace rbac
