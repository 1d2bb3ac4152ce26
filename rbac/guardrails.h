#pragma once
// RBAC guardrails: rules for single Role, ClusterRole, RoleBinding and ClusterRoleBinding objects that
// `kguard lint` and the admission webhook apply (the webhook decides enforce or warn). The config
// section (under `rbac:` in kguard's config file) is documented in rbac/README.md.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "findings/finding.h"
#include "rbac/policy.h"

namespace rbac {

// Rule ids, also the keys of the `rules:` switches.
inline const char* const kRuleWildcardGrant = "rbac.wildcardGrant";
inline const char* const kRuleEscalationVerbs = "rbac.escalationVerbs";
inline const char* const kRuleAnonymousBinding = "rbac.anonymousBinding";
inline const char* const kRuleAuthenticatedBinding = "rbac.authenticatedBinding";
inline const char* const kRuleClusterAdminServiceAccount = "rbac.clusterAdminServiceAccount";

struct GuardrailSubject {
  std::string kind;  // User, Group, ServiceAccount
  std::string name;
  std::string namespace_;  // ServiceAccount only; empty = any namespace
};

struct GuardrailConfig {
  std::map<std::string, bool> rules = {{kRuleWildcardGrant, true},
                                       {kRuleEscalationVerbs, true},
                                       {kRuleAnonymousBinding, true},
                                       {kRuleAuthenticatedBinding, true},
                                       {kRuleClusterAdminServiceAccount, true}};
  // Roles and bindings named so are not checked. The API server's own objects (bootstrap policy,
  // builtin_roles.h) are always exempt; a name alone (`system:whatever`) exempts nothing by default.
  std::vector<std::string> exemptNamePrefixes;
  // role names not checked for grants: cluster-admin is the API server's own wildcard role (who is bound to
  // it is what the binding rules judge)
  std::vector<std::string> exemptRoles = {"cluster-admin"};
  std::vector<GuardrailSubject> exemptSubjects = {{"Group", "system:masters", ""}};  // may be bound to wildcard roles
  // ClusterRoles whose binding is a wildcard grant, and those treated as cluster-admin, besides every
  // role whose rules grant all verbs on all resources in all groups (judged by its rules, not its name).
  std::vector<std::string> wildcardRoles = {"cluster-admin"};
  std::vector<std::string> clusterAdminRoles = {"cluster-admin"};
  std::vector<std::string> clusterAdminServiceAccountNamespaces = {"kube-system"};

  bool enabled(const std::string& rule) const;
};

// The section; null or {} gives the defaults. Throws kube::DecodeError with the field path, prefixed
// with `path` (where the caller embeds the section, e.g. "rbac.guardrails"). Unknown keys and unknown
// rule ids are errors, so that a typo does not silently switch nothing off.
GuardrailConfig parseGuardrailConfig(const nlohmann::json& section, const std::string& path = "rbac");

// Findings for one Role or ClusterRole (level "rbac"). A ClusterRole's aggregationRule is judged by the
// rules it aggregates from `context` (the same input, when there is one) and the built-in roles.
std::vector<findings::Finding> checkGuardrails(const GuardrailConfig& config, const Role& role, const Policy& context = {});

// Findings for one binding, resolving its roleRef against `context` (the other RBAC objects of the same
// input, when there is one: lint's) before the built-in roles of the newest supported Kubernetes version.
std::vector<findings::Finding> checkGuardrails(const GuardrailConfig& config, const Binding& binding, const Policy& context = {});

// Findings for one binding whose role the caller looked up (the webhook, from the API server): `role`
// with the rules it grants (an aggregated ClusterRole's resolved), nullopt when there is no such role.
// The rules that judge a binding by its subjects or its roleRef's name apply either way.
std::vector<findings::Finding> checkBindingWithRole(const GuardrailConfig& config, const Binding& binding,
                                                    const std::optional<Role>& role);

// True when an update of a Role, ClusterRole, RoleBinding or ClusterRoleBinding changes what the rules above
// judge: a role's rules or aggregationRule, a binding's subjects or roleRef (a missing, null and empty
// list are the same). Metadata is not judged: a label can only move an object into or out of the bootstrap
// exemption, never widen what it grants. The webhook skips the other updates (webhook/admission/validator.cpp).
bool changesGuardedFields(const nlohmann::json& object, const nlohmann::json& oldObject);

// Findings for one object as the webhook receives it (its roleRef resolved against the built-in roles
// only); other kinds give none. A malformed RBAC object throws kube::DecodeError with the field path.
std::vector<findings::Finding> checkGuardrails(const GuardrailConfig& config, const nlohmann::json& object);

}  // namespace rbac
