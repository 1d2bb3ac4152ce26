#include "rbac/aggregation.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace rbac {
namespace {

// Distinct rules as small integers, so that "rule already there" (the controller's ruleExists, a linear
// DeepEqual scan) is one array lookup: the scan made inputs of a few hundred aggregated ClusterRoles
// that select each other take minutes.
class RuleIds {
 public:
  std::uint32_t id(const PolicyRule& rule) {
    auto [it, added] = ids_.emplace(key(rule), static_cast<std::uint32_t>(rules_.size()));
    if (added) rules_.push_back(rule);
    return it->second;
  }
  const PolicyRule& rule(std::uint32_t id) const { return rules_[id]; }
  std::size_t size() const { return rules_.size(); }

 private:
  // Length-prefixed fields: equal keys exactly when the rules are equal.
  static std::string key(const PolicyRule& r) {
    std::string k;
    for (const auto* field : {&r.verbs, &r.apiGroups, &r.resources, &r.resourceNames, &r.nonResourceURLs}) {
      k += std::to_string(field->size()) + ';';
      for (const auto& v : *field) k += std::to_string(v.size()) + ':' + v;
    }
    return k;
  }
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<PolicyRule> rules_;
};

}  // namespace

Policy recomputeAggregation(Policy policy, bool onlyEmpty) {
  // ClusterRoles sorted by name (the controller sorts the listed roles with byName).
  std::vector<std::size_t> clusterRoles;
  for (std::size_t i = 0; i < policy.roles.size(); ++i)
    if (policy.roles[i].clusterScoped) clusterRoles.push_back(i);
  std::stable_sort(clusterRoles.begin(), clusterRoles.end(),
                   [&](std::size_t a, std::size_t b) { return policy.roles[a].name < policy.roles[b].name; });

  RuleIds ids;
  std::vector<std::vector<std::uint32_t>> rules(policy.roles.size());
  std::vector<bool> recompute(policy.roles.size(), false);
  for (std::size_t i : clusterRoles) {
    recompute[i] = policy.roles[i].aggregationSelectors && (!onlyEmpty || policy.roles[i].rules.empty());
    for (const auto& rule : policy.roles[i].rules) rules[i].push_back(ids.id(rule));
  }
  std::vector<bool> present(ids.size(), false);  // the rules of the role being recomputed
  for (std::size_t pass = 0; pass <= clusterRoles.size(); ++pass) {
    bool changed = false;
    for (std::size_t target : clusterRoles) {
      const Role& role = policy.roles[target];
      if (!recompute[target]) continue;
      std::vector<std::uint32_t> aggregated;
      for (const auto& selector : *role.aggregationSelectors) {
        for (std::size_t source : clusterRoles) {
          const Role& candidate = policy.roles[source];
          if (candidate.name == role.name || !selector.matches(candidate.labels)) continue;
          for (std::uint32_t rule : rules[source])
            if (!present[rule]) {
              present[rule] = true;
              aggregated.push_back(rule);
            }
        }
      }
      for (std::uint32_t rule : aggregated) present[rule] = false;
      if (aggregated != rules[target]) {
        rules[target] = std::move(aggregated);
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (std::size_t i : clusterRoles) {
    if (!recompute[i]) continue;
    policy.roles[i].rules.clear();
    for (std::uint32_t rule : rules[i]) policy.roles[i].rules.push_back(ids.rule(rule));
  }
  return policy;
}

}  // namespace rbac
