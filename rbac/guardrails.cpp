#include "rbac/guardrails.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "kube/json_reader.h"
#include "rbac/aggregation.h"
#include "rbac/audit.h"
#include "rbac/builtin_roles.h"
#include "rbac/escalation_paths.h"
#include "rbac/kubernetes_version.h"
#include "rbac/policy_decode.h"
#include "rbac/rule_matching.h"
#include "rbac/user_info.h"

namespace rbac {
namespace {

using kube::JsonReader;

bool startsWithAny(const std::string& name, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return name.compare(0, p.size(), p) == 0; });
}
bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// A name no resourceNames list holds: a grant limited to named objects (`bind` on "view" only) is a
// deliberate, reviewable exception and is not reported.
const char* const kAnyName = "<any name>";

// The grants rbac.escalationVerbs looks for, asked through ruleAllows so that `*` verbs, `*` groups
// and `*` resources count as the API server counts them.
struct EscalationGrant {
  const char* verb;
  const char* group;
  const char* resource;
  const char* subresource;
};
const std::vector<EscalationGrant>& escalationGrants() {
  static const std::vector<EscalationGrant> grants = {
      {"escalate", "rbac.authorization.k8s.io", "roles", ""},
      {"escalate", "rbac.authorization.k8s.io", "clusterroles", ""},
      {"bind", "rbac.authorization.k8s.io", "roles", ""},
      {"bind", "rbac.authorization.k8s.io", "clusterroles", ""},
      {"impersonate", "", "users", ""},
      {"impersonate", "", "groups", ""},
      {"impersonate", "", "serviceaccounts", ""},
      {"impersonate", "authentication.k8s.io", "uids", ""},
      {"impersonate", "authentication.k8s.io", "userextras", "scopes"},
  };
  return grants;
}

findings::Finding finding(const char* rule, std::string message, std::string field) {
  findings::Finding f;
  f.check = rule;
  f.level = "rbac";
  f.message = std::move(message);
  f.enforcement = findings::Enforcement::Error;
  f.field = std::move(field);
  return f;
}

bool star(const std::vector<std::string>& v) { return contains(v, "*"); }

void checkRules(const GuardrailConfig& config, const std::string& kind, const Role& role, const std::vector<PolicyRule>& rules,
                const std::string& fieldPrefix, const char* verb, std::vector<findings::Finding>& out) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const PolicyRule& rule = rules[i];
    std::string field = fieldPrefix.empty() ? "rules[" + std::to_string(i) + "]" : fieldPrefix;
    if (config.enabled(kRuleWildcardGrant) && (star(rule.verbs) || star(rule.resources))) {
      std::string what = star(rule.verbs) && star(rule.resources) ? "verbs and resources" : star(rule.verbs) ? "verbs" : "resources";
      out.push_back(finding(kRuleWildcardGrant,
                            std::string(kRuleWildcardGrant) + ": " + kind + " " + role.name + " " + verb + " wildcard " + what +
                                " (" + describeRule(rule) + ")",
                            fieldPrefix.empty() ? field + (star(rule.verbs) ? ".verbs" : ".resources") : field));
    }
    if (config.enabled(kRuleEscalationVerbs)) {
      std::vector<std::string> granted;
      for (const auto& g : escalationGrants()) {
        Request r = Request::resource_(g.verb, g.group, g.resource, g.subresource, "", kAnyName);
        std::string what = std::string(g.verb) + " " + g.resource + (*g.subresource ? std::string("/") + g.subresource : "");
        if (ruleAllows(rule, r)) {
          granted.push_back(what);
        } else if (g.resource == std::string("groups")) {
          // Limited by name, but to the group that bypasses authorization: that is everything.
          r.name = kMastersGroup;
          if (ruleAllows(rule, r)) granted.push_back(what + " (" + kMastersGroup + ")");
        }
      }
      // Each user-extra key is its own subresource (userExtraKeys): a rule naming another key than scopes.
      for (const std::string& key : userExtraKeys({rule})) {
        Request r = Request::resource_("impersonate", "authentication.k8s.io", "userextras", key, "", kAnyName);
        if (key != "scopes" && ruleAllows(rule, r)) granted.push_back("impersonate userextras/" + key);
      }
      if (!granted.empty()) {
        std::string list;
        for (const auto& g : granted) list += (list.empty() ? "" : ", ") + g;
        out.push_back(finding(kRuleEscalationVerbs,
                              std::string(kRuleEscalationVerbs) + ": " + kind + " " + role.name + " " + verb + " " + list + " (" +
                                  describeRule(rule) + ")",
                              fieldPrefix.empty() ? field + ".verbs" : field));
      }
    }
  }
}

// The ClusterRoles an aggregationRule or a roleRef can reach: the input's, then the API server's
// built-in ones (the input's object of the same name wins), with aggregated ClusterRoles that have no
// stored rules filled as kube-controller-manager fills them (rbac/aggregation.h).
Policy reachableRoles(const Policy& context) {
  Policy roles;
  roles.roles = context.roles;
  return recomputeAggregation(withBuiltinRoles(std::move(roles), kNewestKubernetesMinor), true);
}

// The rules a ClusterRole's aggregationRule gives it that it does not store: the controller writes
// them into the role, so a role aggregating cluster-admin (selector
// kubernetes.io/bootstrapping=rbac-defaults) grants what cluster-admin grants.
std::vector<PolicyRule> aggregatedRules(const Role& role, const Policy& context) {
  if (!role.clusterScoped || !role.aggregationSelectors) return {};
  Policy roles = context;
  roles.bindings.clear();
  auto self = std::find_if(roles.roles.begin(), roles.roles.end(),
                           [&](const Role& r) { return r.clusterScoped && r.name == role.name; });
  if (self == roles.roles.end()) roles.roles.push_back(role);
  else *self = role;
  for (Role& r : roles.roles)
    if (r.clusterScoped && r.name == role.name) r.rules.clear();  // recomputed below, whatever it stores
  Policy all = reachableRoles(roles);
  std::vector<PolicyRule> added;
  for (const Role& r : all.roles)
    if (r.clusterScoped && r.name == role.name)
      for (const PolicyRule& rule : r.rules)
        if (std::find(role.rules.begin(), role.rules.end(), rule) == role.rules.end()) added.push_back(rule);
  return added;
}

void checkRole(const GuardrailConfig& config, const Role& role, const Policy& context, std::vector<findings::Finding>& out) {
  if (startsWithAny(role.name, config.exemptNamePrefixes) || contains(config.exemptRoles, role.name)) return;
  if (isBootstrapObject(false, role.clusterScoped, role.namespace_, role.name, role.labels)) return;
  std::string kind = role.clusterScoped ? "ClusterRole" : "Role";
  checkRules(config, kind, role, role.rules, "", "grants", out);
  checkRules(config, kind, role, aggregatedRules(role, context), "aggregationRule", "aggregates", out);
}

bool exemptSubject(const GuardrailConfig& config, const Subject& s, const std::string& bindingNamespace) {
  std::string ns = s.namespace_.empty() ? bindingNamespace : s.namespace_;
  return std::any_of(config.exemptSubjects.begin(), config.exemptSubjects.end(), [&](const GuardrailSubject& e) {
    return e.kind == s.kind && e.name == s.name && (e.namespace_.empty() || e.namespace_ == ns);
  });
}

// The role a binding refers to: the input's first, then the API server's built-in ones; an aggregated
// ClusterRole without stored rules with the rules aggregation gives it (reachableRoles).
std::optional<Role> resolveRole(const Binding& b, const Policy& context) {
  static const Policy builtin = reachableRoles({});
  bool cluster = b.roleRef.kind == "ClusterRole";
  if (!cluster && (b.roleRef.kind != "Role" || b.clusterScoped)) return std::nullopt;
  auto find = [&](const Policy& policy) -> const Role* {
    for (const Role& r : policy.roles)
      if (r.clusterScoped == cluster && r.name == b.roleRef.name && (cluster || r.namespace_ == b.namespace_)) return &r;
    return nullptr;
  };
  const Role* role = find(context);
  if (!role) role = find(builtin);
  if (!role) return std::nullopt;
  if (!role->aggregationSelectors || !role->rules.empty()) return *role;
  Policy aggregated = reachableRoles(context);  // rare: computed on demand
  return *find(aggregated);
}

// The namespace of the service accounts a subject names: a ServiceAccount (in the binding's namespace
// when it has none), a User spelled system:serviceaccount:NS:NAME (the same identity), the group
// system:serviceaccounts:NS, or "" for system:serviceaccounts (every namespace); nullopt for others.
std::optional<std::string> serviceAccountNamespace(const Subject& s, const std::string& bindingNamespace) {
  if (s.kind == "ServiceAccount") return s.namespace_.empty() ? bindingNamespace : s.namespace_;
  if (s.kind == "User")
    if (auto sa = splitServiceAccountUsername(s.name)) return sa->first;
  if (s.kind != "Group") return std::nullopt;
  const std::string all = kServiceAccountsGroup;
  if (s.name == all) return std::string();
  if (s.name.compare(0, all.size() + 1, all + ":") == 0 && s.name.size() > all.size() + 1) return s.name.substr(all.size() + 1);
  return std::nullopt;
}

// `role`: the role the binding refers to, with the rules it grants; nullopt when it is not known.
void checkBinding(const GuardrailConfig& config, const Binding& b, const std::optional<Role>& role,
                  std::vector<findings::Finding>& out) {
  if (startsWithAny(b.name, config.exemptNamePrefixes)) return;
  if (isBootstrapObject(true, b.clusterScoped, b.namespace_, b.name, b.labels)) return;
  const bool everything = role && grantsEverything(*role);
  std::string kind = b.clusterScoped ? "ClusterRoleBinding" : "RoleBinding";
  std::string what = kind + " " + (b.clusterScoped ? b.name : b.namespace_ + "/" + b.name) + " binds " + b.roleRef.kind +
                     " " + b.roleRef.name + " to ";
  bool clusterRoleRef = b.roleRef.kind == "ClusterRole";
  // " (every verb on every resource)" when the role is judged by its rules, not by a listed name
  auto why = [&](const std::vector<std::string>& names) {
    return clusterRoleRef && contains(names, b.roleRef.name) ? std::string() : std::string(" (every verb on every resource)");
  };
  for (std::size_t i = 0; i < b.subjects.size(); ++i) {
    const Subject& s = b.subjects[i];
    std::string field = "subjects[" + std::to_string(i) + "]";
    bool anonymous = (s.kind == "User" && s.name == "system:anonymous") || (s.kind == "Group" && s.name == "system:unauthenticated");
    if (anonymous && config.enabled(kRuleAnonymousBinding))
      out.push_back(finding(kRuleAnonymousBinding, std::string(kRuleAnonymousBinding) + ": " + what + s.describe() +
                                                       " (every unauthenticated client)", field));
    if (s.kind == "Group" && s.name == "system:authenticated" && config.enabled(kRuleAuthenticatedBinding))
      out.push_back(finding(kRuleAuthenticatedBinding, std::string(kRuleAuthenticatedBinding) + ": " + what + s.describe() +
                                                           " (every authenticated user and service account)", field));
    bool clusterAdmin = (clusterRoleRef && contains(config.clusterAdminRoles, b.roleRef.name)) || everything;
    auto saNamespace = serviceAccountNamespace(s, b.namespace_);
    if (saNamespace && clusterAdmin && config.enabled(kRuleClusterAdminServiceAccount)) {
      const std::string& ns = *saNamespace;
      if (ns.empty() || !contains(config.clusterAdminServiceAccountNamespaces, ns))
        out.push_back(finding(kRuleClusterAdminServiceAccount,
                              std::string(kRuleClusterAdminServiceAccount) + ": " + what + s.describe(b.namespace_) +
                                  " (service accounts may hold " + b.roleRef.name + why(config.clusterAdminRoles) +
                                  " only in the allowed namespaces)",
                              field));
      continue;  // reported (or allowed) by the service-account rule, not again as a wildcard grant
    }
    bool wildcardRole = (clusterRoleRef && contains(config.wildcardRoles, b.roleRef.name)) || everything;
    if (wildcardRole && config.enabled(kRuleWildcardGrant) && !exemptSubject(config, s, b.namespace_))
      out.push_back(finding(kRuleWildcardGrant, std::string(kRuleWildcardGrant) + ": " + what + s.describe(b.namespace_) +
                                                    " (a wildcard role" + why(config.wildcardRoles) +
                                                    ", for subjects outside exemptSubjects)",
                            field));
  }
}

std::vector<std::string> stringListOf(const JsonReader& r, const char* name, const std::vector<std::string>& fallback) {
  auto f = r.field(name);
  return f ? r.stringList(name) : fallback;
}

}  // namespace

bool GuardrailConfig::enabled(const std::string& rule) const {
  auto it = rules.find(rule);
  return it == rules.end() || it->second;
}

GuardrailConfig parseGuardrailConfig(const nlohmann::json& section, const std::string& path) {
  GuardrailConfig config;
  if (section.is_null()) return config;
  JsonReader r(section, path);
  r.expectObject();
  static const std::vector<std::string> known = {"rules", "exemptNamePrefixes", "exemptRoles", "exemptSubjects",
                                                 "wildcardRoles", "clusterAdminRoles", "clusterAdminServiceAccountNamespaces"};
  for (const auto& key : r.keys())
    if (!contains(known, key)) throw kube::DecodeError(path.empty() ? key : path + "." + key, "unknown field");
  if (auto rules = r.field("rules")) {
    for (const auto& key : rules->keys()) {
      std::string id = key.rfind("rbac.", 0) == 0 ? key : "rbac." + key;  // "wildcardGrant" = "rbac.wildcardGrant"
      if (!config.rules.count(id)) throw kube::DecodeError(rules->path() + "." + key, "unknown rule id");
      auto enabled = rules->optBool(key.c_str());
      config.rules[id] = enabled.value_or(true);
    }
  }
  config.exemptNamePrefixes = stringListOf(r, "exemptNamePrefixes", config.exemptNamePrefixes);
  config.exemptRoles = stringListOf(r, "exemptRoles", config.exemptRoles);
  config.wildcardRoles = stringListOf(r, "wildcardRoles", config.wildcardRoles);
  config.clusterAdminRoles = stringListOf(r, "clusterAdminRoles", config.clusterAdminRoles);
  config.clusterAdminServiceAccountNamespaces =
      stringListOf(r, "clusterAdminServiceAccountNamespaces", config.clusterAdminServiceAccountNamespaces);
  if (r.field("exemptSubjects")) {
    config.exemptSubjects.clear();
    r.forEach("exemptSubjects", [&config](const JsonReader& s) {
      s.expectObject();
      GuardrailSubject subject{s.string("kind"), s.string("name"), s.string("namespace")};
      if (subject.kind != "User" && subject.kind != "Group" && subject.kind != "ServiceAccount")
        throw kube::DecodeError(s.path() + ".kind", "expected User, Group or ServiceAccount");
      if (subject.name.empty()) throw kube::DecodeError(s.path() + ".name", "required");
      config.exemptSubjects.push_back(subject);
    });
  }
  return config;
}

std::vector<findings::Finding> checkGuardrails(const GuardrailConfig& config, const Role& role, const Policy& context) {
  std::vector<findings::Finding> out;
  checkRole(config, role, context, out);
  return out;
}

std::vector<findings::Finding> checkGuardrails(const GuardrailConfig& config, const Binding& binding, const Policy& context) {
  std::vector<findings::Finding> out;
  checkBinding(config, binding, resolveRole(binding, context), out);
  return out;
}

std::vector<findings::Finding> checkBindingWithRole(const GuardrailConfig& config, const Binding& binding,
                                                    const std::optional<Role>& role) {
  std::vector<findings::Finding> out;
  checkBinding(config, binding, role, out);
  return out;
}

bool changesGuardedFields(const nlohmann::json& object, const nlohmann::json& oldObject) {
  // What decodeRole and decodeBinding read besides metadata; both objects are of one kind. A label may put
  // a ClusterRole under another's aggregationRule: that role widens when the aggregation controller writes
  // its rules, an update judged here.
  static const char* const kGuarded[] = {"rules", "aggregationRule", "subjects", "roleRef"};
  auto guarded = [](const nlohmann::json& o, const char* field) {
    if (!o.is_object()) return nlohmann::json();
    auto it = o.find(field);
    if (it == o.end() || it->is_null() || (it->is_array() && it->empty())) return nlohmann::json();
    return *it;
  };
  for (const char* field : kGuarded)
    if (guarded(object, field) != guarded(oldObject, field)) return true;
  return false;
}

std::vector<findings::Finding> checkGuardrails(const GuardrailConfig& config, const nlohmann::json& object) {
  auto kind = rbacKindOf(object);
  if (!kind) return {};
  if (*kind == RbacKind::Role || *kind == RbacKind::ClusterRole) return checkGuardrails(config, decodeRole(object));
  return checkGuardrails(config, decodeBinding(object));
}

}  // namespace rbac
