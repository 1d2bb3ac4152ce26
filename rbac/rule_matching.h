#pragma once
// Whether one PolicyRule allows one request — kubernetes/pkg/apis/rbac/v1/evaluation_helpers.go and
// RuleAllows in plugin/pkg/auth/authorizer/rbac/rbac.go, point for point. Every other part of kguard
// (who-can, the escalation audit, guardrails) asks these functions instead of matching on its own.
#include <string>

#include "rbac/policy.h"
#include "rbac/request.h"

namespace rbac {

// "*" or an exact verb. Case-sensitive, as upstream.
bool verbMatches(const PolicyRule& rule, const std::string& verb);
// "*" or an exact group; "" in a rule is the core group and nothing else.
bool apiGroupMatches(const PolicyRule& rule, const std::string& group);
// "*" (everything, subresources included), the exact "resource" or "resource/subresource", or
// "*/subresource" for any resource's subresource of that name. "pods/*" is NOT a wildcard upstream.
bool resourceMatches(const PolicyRule& rule, const std::string& combinedResource, const std::string& subresource);
// An empty list matches every name (also no name); otherwise an exact entry (so a request without a
// name — create, list, deletecollection — matches only a literal "" entry).
bool resourceNameMatches(const PolicyRule& rule, const std::string& name);
// "*", an exact URL, or a prefix when the rule ends in "*" ("/healthz/*" also matches "/healthz/").
bool nonResourceURLMatches(const PolicyRule& rule, const std::string& path);

// RuleAllows: resource requests check verb, group, resource and name; non-resource requests check
// verb and path.
bool ruleAllows(const PolicyRule& rule, const Request& request);

// Whether a role grants every verb on every resource in every group (cluster-admin's resource rule):
// sentinels only `*` matches, as the audit's fullWildcard path asks.
bool grantsEverything(const Role& role);

}  // namespace rbac
