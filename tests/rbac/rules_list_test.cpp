// can-i --list: kubectl's table of a SelfSubjectRulesReview (rbac/rules_list.h). The expected tables are
// worked out by hand from kubectl's BreakdownRule, CompactRules, sort by PolicyRule.String() and tab
// writer; rbac_live_e2e compares the whole output with `kubectl auth can-i --list` against a real server.
#include <catch2/catch.hpp>

#include "rbac/rules_list.h"
#include "rbac_test_util.h"

using rbac::PolicyRule;

TEST_CASE("can-i --list: one row per group, resource and name with its verbs, sorted as kubectl sorts") {
  std::vector<PolicyRule> rules = {
      {{"get", "list"}, {""}, {"pods", "pods/log"}, {}, {}},
      {{"create"}, {"apps"}, {"deployments"}, {"web"}, {}},
      {{"get"}, {}, {}, {}, {"/healthz"}},
      {{"watch", "get"}, {""}, {"pods"}, {}, {}},  // merged into pods' row; get is not repeated
  };
  // Sorted by "&PolicyRule{Verbs:[...": [create] < [get list watch] < [get list] < [get] (' ' < ']').
  // Columns: the widest cell + 3 ("deployments.apps" 16, "Non-Resource URLs" 17, "Resource Names" 14).
  CHECK(rbac::formatRulesList(rules, true) ==
        "Resources          Non-Resource URLs   Resource Names   Verbs\n"
        "deployments.apps   []                  [web]            [create]\n"
        "pods               []                  []               [get list watch]\n"
        "pods/log           []                  []               [get list]\n"
        "                   [/healthz]          []               [get]\n");
}

TEST_CASE("can-i --list: without headers, columns are at least 6 wide; a rule without apiGroups lists nothing") {
  std::vector<PolicyRule> rules = {
      {{"get"}, {""}, {"cm"}, {}, {}},
      {{"get"}, {}, {"secrets"}, {}, {}},  // no group: BreakdownRule yields no rule
  };
  CHECK(rbac::formatRulesList(rules, false) == "cm    []    []    [get]\n");  // 2 + 3 < 6: padded to 6
  CHECK(rbac::formatRulesList({}, true) == "Resources   Non-Resource URLs   Resource Names   Verbs\n");
}

// RBACAuthorizer.RulesFor (plugin/pkg/auth/authorizer/rbac/rbac.go) over VisitRulesFor: ClusterRoleBindings
// first, then the RoleBindings of the namespace asked; bindings that do not apply or whose role is missing
// add nothing.
TEST_CASE("rulesFor: cluster-wide rules, then the namespace's, of the bindings that apply") {
  const std::string rb =
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: dev}\n"
      "rules: [{verbs: [list], apiGroups: [''], resources: [secrets]}]\n---\n"
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: r, namespace: dev}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n"
      "subjects: [{kind: ServiceAccount, name: ci}]\n---\n"
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: gone, namespace: dev}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}\n"
      "subjects: [{kind: ServiceAccount, name: ci}]\n---\n";
  auto e = rbactest::evaluatorOf(rb + rbactest::clusterGrant("c", "{verbs: [get], apiGroups: [''], resources: [pods]}",
                                                             "system:serviceaccount:dev:ci"));
  auto sa = rbactest::user("system:serviceaccount:dev:ci");
  auto dev = e.rulesFor(sa, "dev");
  REQUIRE(dev.size() == 2);
  CHECK(dev[0].resources == std::vector<std::string>{"pods"});  // the ClusterRoleBinding, written last, first
  CHECK(dev[1].resources == std::vector<std::string>{"secrets"});
  CHECK(e.rulesFor(sa, "prod").size() == 1);
  CHECK(e.rulesFor(rbactest::user("system:serviceaccount:prod:ci"), "dev").empty());
  CHECK(e.rulesFor(rbactest::user("x", {"system:masters"}), "dev").empty());  // no binding: no rules listed
}
