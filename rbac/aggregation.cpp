#include "rbac/aggregation.h"

#include <algorithm>

namespace rbac {
namespace {

bool ruleExists(const std::vector<PolicyRule>& rules, const PolicyRule& rule) {
  return std::find(rules.begin(), rules.end(), rule) != rules.end();
}

}  // namespace

Policy recomputeAggregation(Policy policy, bool onlyEmpty) {
  // ClusterRoles sorted by name (the controller sorts the listed roles with byName).
  std::vector<std::size_t> clusterRoles;
  for (std::size_t i = 0; i < policy.roles.size(); ++i)
    if (policy.roles[i].clusterScoped) clusterRoles.push_back(i);
  std::stable_sort(clusterRoles.begin(), clusterRoles.end(),
                   [&](std::size_t a, std::size_t b) { return policy.roles[a].name < policy.roles[b].name; });

  std::vector<bool> recompute(policy.roles.size(), false);
  for (std::size_t i : clusterRoles)
    recompute[i] = policy.roles[i].aggregationSelectors && (!onlyEmpty || policy.roles[i].rules.empty());
  for (std::size_t pass = 0; pass <= clusterRoles.size(); ++pass) {
    bool changed = false;
    for (std::size_t target : clusterRoles) {
      Role& role = policy.roles[target];
      if (!recompute[target]) continue;
      std::vector<PolicyRule> rules;
      for (const auto& selector : *role.aggregationSelectors) {
        for (std::size_t source : clusterRoles) {
          const Role& candidate = policy.roles[source];
          if (candidate.name == role.name || !selector.matches(candidate.labels)) continue;
          for (const auto& rule : candidate.rules)
            if (!ruleExists(rules, rule)) rules.push_back(rule);
        }
      }
      if (!(rules == role.rules)) {
        role.rules = std::move(rules);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return policy;
}

}  // namespace rbac
