// ClusterRole aggregation as the ClusterRoleAggregationController computes it.
#include <catch2/catch.hpp>

#include "rbac/aggregation.h"
#include "rbac_test_util.h"

using namespace rbactest;

namespace {
const rbac::Role& roleNamed(const rbac::Policy& p, const std::string& name) {
  for (const auto& r : p.roles)
    if (r.name == name) return r;
  throw std::runtime_error("no role " + name);
}
}  // namespace

TEST_CASE("aggregation: selectors in order, matched roles by name, duplicates once, itself excluded, transitive") {
  auto policy = rbac::recomputeAggregation(policyOf(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top, labels: {agg: "yes"}}
aggregationRule:
  clusterRoleSelectors:
  - {matchLabels: {agg: "yes"}}
  - {matchExpressions: [{key: tier, operator: In, values: [mid]}]}
rules: [{verbs: [stale], apiGroups: [""], resources: [x]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b-role, labels: {agg: "yes"}}
rules: [{verbs: [get], apiGroups: [""], resources: [b]}, {verbs: [get], apiGroups: [""], resources: [shared]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a-role, labels: {agg: "yes"}}
rules: [{verbs: [get], apiGroups: [""], resources: [a]}, {verbs: [get], apiGroups: [""], resources: [shared]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mid, labels: {tier: mid}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {leaf: "true"}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: leaf, labels: {leaf: "true"}}
rules: [{verbs: [list], apiGroups: [""], resources: [leaf]}]
)"));
  const auto& top = roleNamed(policy, "top");
  std::vector<std::string> resources;
  for (const auto& r : top.rules) resources.push_back(r.resources.at(0));
  CHECK(resources == std::vector<std::string>{"a", "shared", "b", "leaf"});
  CHECK(roleNamed(policy, "mid").rules.size() == 1);
}

TEST_CASE("aggregation: an empty selector selects every ClusterRole; roles without aggregationRule are untouched") {
  auto policy = rbac::recomputeAggregation(policyOf(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all}
aggregationRule: {clusterRoleSelectors: [{}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: one}
rules: [{verbs: [get], apiGroups: [""], resources: [one]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: one, namespace: ns1}
rules: [{verbs: [get], apiGroups: [""], resources: [namespaced]}]
)"));
  REQUIRE(roleNamed(policy, "all").rules.size() == 1);
  CHECK(roleNamed(policy, "all").rules[0].resources[0] == "one");  // Roles never aggregate
}
