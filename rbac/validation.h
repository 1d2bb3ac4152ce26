#pragma once
// What the API server's RBAC validation (kubernetes pkg/apis/rbac/validation/validation.go) refuses in an
// object kguard's decoder reads: the decoder already refuses malformed subjects and role references; these are
// the rest, which the evaluator would otherwise read as granting nothing or matching nobody.
#include <string>
#include <vector>

#include "rbac/policy.h"

namespace rbac {

// One refusal, as field.Error prints it: `path` ("rules[0].apiGroups") and `problem` ("Required value: ...").
struct ValidationError {
  std::string path;
  std::string problem;
};

// ValidateRole / ValidateClusterRole: the name (ValidateRBACName), ValidatePolicyRule for each rule (a Role's
// rules are namespaced: no nonResourceURLs), a ClusterRole's aggregationRule with at least one selector.
std::vector<ValidationError> validateRole(const Role& role);
// ValidateRoleBinding / ValidateClusterRoleBinding: the name and roleRef.name (ValidateRBACName), a
// ClusterRoleBinding's roleRef kind, ValidateRoleBindingSubject's ServiceAccount name and namespace.
std::vector<ValidationError> validateBinding(const Binding& binding);

}  // namespace rbac
