#pragma once
// `kguard rbac can-i --list`: the table `kubectl auth can-i --list` prints from a SelfSubjectRulesReview
// (staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go printStatus): the rules split into one verb, group,
// resource and name each (util/rbac BreakdownRule), one row per group/resource/name with its verbs
// (CompactRules), rows sorted by the rule's String() form, columns aligned as kubectl's tab writer does.
#include <string>
#include <vector>

#include "rbac/policy.h"

namespace rbac {

// `rules` as the RBAC authorizer's RulesFor returns them (Evaluator::rulesFor).
std::string formatRulesList(const std::vector<PolicyRule>& rules, bool headers);

}  // namespace rbac
