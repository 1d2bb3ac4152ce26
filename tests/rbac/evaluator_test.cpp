// The binding semantics of pkg/registry/rbac/validation/rule.go (VisitRulesFor, appliesToUser,
// GetRoleReferenceRules) and the privileged-group authorizer, through rbac::Evaluator.
#include <random>

#include <catch2/catch.hpp>

#include "rbac_test_util.h"

using namespace rbactest;

namespace {
const char* kWorld = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules:
- {verbs: [get, list], apiGroups: [""], resources: [pods]}
- {verbs: [get], nonResourceURLs: [/metrics]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: dev}
rules:
- {verbs: [get], apiGroups: [""], resources: [secrets]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-pods, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: secrets, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects:
- {kind: ServiceAccount, name: builder}
- {kind: ServiceAccount, name: deployer, namespace: ci}
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: auditors}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bob-pods}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}, {kind: ServiceAccount, name: nons}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: to-a-role}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: carol}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: does-not-exist}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: dave}]
)";
}  // namespace

TEST_CASE("a ClusterRoleBinding grants everywhere, a RoleBinding only in its namespace") {
  auto ev = evaluatorOf(kWorld);
  CHECK(ev.allows(user("bob"), res("get", "", "pods", "dev")));
  CHECK(ev.allows(user("bob"), res("get", "", "pods", "prod")));
  CHECK(ev.allows(user("bob"), res("list", "", "pods", "")));  // cluster-wide list
  CHECK(ev.allows(user("alice"), res("get", "", "pods", "dev")));
  CHECK_FALSE(ev.allows(user("alice"), res("get", "", "pods", "prod")));
  CHECK_FALSE(ev.allows(user("alice"), res("list", "", "pods", "")));  // RoleBindings need a namespace
}

TEST_CASE("a RoleBinding to a ClusterRole grants its nonResourceURLs nothing") {
  auto ev = evaluatorOf(kWorld);
  CHECK(ev.allows(user("bob"), rbac::Request::nonResource("get", "/metrics")));
  CHECK_FALSE(ev.allows(user("alice"), rbac::Request::nonResource("get", "/metrics")));
}

TEST_CASE("ServiceAccount subjects: namespace defaults to the RoleBinding's; none in a ClusterRoleBinding matches nobody") {
  auto ev = evaluatorOf(kWorld);
  CHECK(ev.allows(user("system:serviceaccount:dev:builder"), res("get", "", "secrets", "dev", "s")));
  CHECK_FALSE(ev.allows(user("system:serviceaccount:other:builder"), res("get", "", "secrets", "dev", "s")));
  CHECK(ev.allows(user("system:serviceaccount:ci:deployer"), res("get", "", "secrets", "dev", "s")));
  CHECK_FALSE(ev.allows(user("system:serviceaccount:dev:deployer"), res("get", "", "secrets", "dev", "s")));
  CHECK_FALSE(ev.allows(user("system:serviceaccount::nons"), res("get", "", "pods", "dev")));
  CHECK_FALSE(ev.allows(user("nons"), res("get", "", "pods", "dev")));
  // A service account is matched by user name only: its groups do not matter.
  CHECK(ev.allows(user("system:serviceaccount:dev:builder", {"x"}), res("get", "", "secrets", "dev", "s")));
}

TEST_CASE("Group subjects match any member; User subjects only the exact name") {
  auto ev = evaluatorOf(kWorld);
  CHECK(ev.allows(user("zed", {"auditors"}), res("get", "", "secrets", "dev", "s")));
  CHECK_FALSE(ev.allows(user("auditors"), res("get", "", "secrets", "dev", "s")));
  CHECK_FALSE(ev.allows(user("Bob"), res("get", "", "pods", "dev")));
  CHECK_FALSE(ev.allows(user("zed", {"bob"}), res("get", "", "pods", "dev")));
}

TEST_CASE("unresolvable roleRefs allow nothing and are reported") {
  auto ev = evaluatorOf(kWorld);
  // A ClusterRoleBinding to a Role: upstream looks the Role up in namespace "" and never finds it.
  CHECK_FALSE(ev.allows(user("carol"), res("get", "", "secrets", "dev", "s")));
  auto d = ev.decide(user("dave"), res("get", "", "pods", "dev"));
  CHECK_FALSE(d.allowed);
  REQUIRE(d.resolutionErrors.size() == 1);
  CHECK(d.resolutionErrors[0].find("does-not-exist") != std::string::npos);
  CHECK(ev.reason(d).find("does-not-exist") != std::string::npos);
}

TEST_CASE("system:masters is allowed everything, before RBAC") {
  auto ev = evaluatorOf(kWorld);
  CHECK(ev.allows(user("anyone", {"system:masters"}), res("escalate", "x.io", "anything", "ns")));
  CHECK(ev.allows(user("anyone", {"system:masters"}), rbac::Request::nonResource("delete", "/x")));
  auto d = ev.decide(user("anyone", {"system:masters"}), res("get", "", "pods"));
  REQUIRE(d.allowedBy);
  CHECK(d.allowedBy->privilegedGroup);
  CHECK_FALSE(ev.allows(user("system:masters"), res("get", "", "secrets", "dev", "x")));
}

TEST_CASE("a decision reports the binding, subject, role and rule, ClusterRoleBindings first") {
  auto ev = evaluatorOf(std::string(kWorld) + R"(
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bob-in-dev, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}]
)");
  auto d = ev.decide(user("bob"), res("list", "", "pods", "dev"));
  REQUIRE(d.allowedBy);
  const auto& b = ev.policy().bindings[d.allowedBy->binding];
  CHECK(b.name == "bob-pods");
  CHECK(d.allowedBy->rule == 0);
  CHECK(ev.describe(*d.allowedBy) ==
        "RBAC: allowed by ClusterRoleBinding \"bob-pods\" of ClusterRole \"pod-reader\" to User \"bob\"");
  auto sa = ev.decide(user("system:serviceaccount:dev:builder"), res("get", "", "secrets", "dev", "s"));
  REQUIRE(sa.allowedBy);
  CHECK(ev.describe(*sa.allowedBy) ==
        "RBAC: allowed by RoleBinding \"secrets/dev\" of Role \"secret-reader\" to ServiceAccount \"builder/dev\"");
}

TEST_CASE("who-can lists subjects with their bindings, consistent with can-i") {
  auto ev = evaluatorOf(kWorld);
  auto who = ev.whoCan(res("get", "", "secrets", "dev", "s"));
  std::vector<std::string> names;
  for (const auto& e : who) names.push_back(e.subject.describe());
  CHECK(names == std::vector<std::string>{"Group system:masters", "ServiceAccount dev/builder", "ServiceAccount ci/deployer",
                                          "Group auditors"});
  auto pods = ev.whoCan(res("get", "", "pods", "prod"));
  REQUIRE(pods.size() == 2);  // masters + bob; the namespace-less service account matches nobody
  CHECK(pods[1].subject.describe() == "User bob");
  CHECK(ev.whoCanByLinearScan(res("get", "", "secrets", "dev", "s")).size() == who.size());
}

// Random worlds: the indexed evaluator, decide(), who-can and upstream's linear scan agree.
TEST_CASE("indexed evaluation equals the linear scan on random worlds") {
  const std::vector<std::string> verbs = {"get", "list", "create", "*"};
  const std::vector<std::string> groups = {"", "apps", "*"};
  const std::vector<std::string> resources = {"pods", "pods/exec", "deployments", "*", "*/scale", "deployments/scale"};
  const std::vector<std::string> namespaces = {"a", "b"};
  const std::vector<std::string> users = {"u1", "u2", "system:serviceaccount:a:sa", "system:serviceaccount:b:sa"};
  const std::vector<std::string> groupNames = {"g1", "g2"};
  for (unsigned seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&rng](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    rbac::Policy policy;
    for (int i = 0; i < 6; ++i) {
      rbac::Role r;
      r.clusterScoped = i % 2 == 0;
      r.name = "r" + std::to_string(i / 2);
      r.namespace_ = r.clusterScoped ? "" : pick(namespaces);
      for (int k = 0; k < 2; ++k) {
        rbac::PolicyRule rule;
        rule.verbs = {pick(verbs)};
        rule.apiGroups = {pick(groups)};
        rule.resources = {pick(resources)};
        if (rng() % 4 == 0) rule.resourceNames = {"n1"};
        r.rules.push_back(rule);
      }
      policy.roles.push_back(r);
    }
    for (int i = 0; i < 8; ++i) {
      rbac::Binding b;
      b.clusterScoped = rng() % 3 == 0;
      b.name = "b" + std::to_string(i);
      b.namespace_ = b.clusterScoped ? "" : pick(namespaces);
      b.roleRef = {"rbac.authorization.k8s.io", rng() % 2 ? "ClusterRole" : "Role", "r" + std::to_string(rng() % 4)};
      switch (rng() % 4) {
        case 0: b.subjects.push_back({"User", "", pick({"u1", "u2"}), ""}); break;
        case 1: b.subjects.push_back({"Group", "", pick(groupNames), ""}); break;
        case 2: b.subjects.push_back({"ServiceAccount", "", "sa", ""}); break;
        default: b.subjects.push_back({"ServiceAccount", "", "sa", pick(namespaces)}); break;
      }
      policy.bindings.push_back(b);
    }
    rbac::Evaluator ev(policy);
    for (int q = 0; q < 300; ++q) {
      std::string resource = pick({"pods", "deployments"});
      std::string sub = rng() % 3 == 0 ? pick({"exec", "scale"}) : "";
      auto request = res(pick({"get", "list", "create"}), pick({"", "apps"}), resource, rng() % 4 ? pick(namespaces) : "",
                         rng() % 2 ? "n1" : "", sub);
      auto u = user(pick(users), rng() % 2 ? std::vector<std::string>{pick(groupNames)} : std::vector<std::string>{});
      INFO("seed " << seed << " query " << q << " " << request.describe());
      bool expected = ev.allowsByLinearScan(u, request);
      REQUIRE(ev.allows(u, request) == expected);
      REQUIRE(ev.decide(u, request).allowed == expected);
      // who-can lists a subject that applies to the user exactly when the user is allowed.
      bool listed = false;
      for (const auto& e : ev.whoCan(request)) {
        const auto& s = e.subject;
        if ((s.kind == "User" && s.name == u.name) ||
            (s.kind == "Group" && std::find(u.groups.begin(), u.groups.end(), s.name) != u.groups.end()) ||
            (s.kind == "ServiceAccount" && rbac::serviceAccountUsername(s.namespace_, s.name) == u.name))
          listed = true;
      }
      REQUIRE(listed == expected);
    }
  }
}

TEST_CASE("recomputed aggregation unions the rules of the selected ClusterRoles; stored uses the stored rules") {
  const char* world = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {aggregate-to-monitoring: "true"}}]
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: extra, labels: {aggregate-to-monitoring: "true"}}
rules: [{verbs: [get], apiGroups: [""], resources: [services]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: m}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: mon}]
)";
  auto stored = evaluatorOf(world);
  rbac::EvaluatorOptions recomputedOptions;
  recomputedOptions.aggregation = rbac::AggregationMode::Recomputed;
  auto recomputed = evaluatorOf(world, recomputedOptions);
  CHECK_FALSE(stored.allows(user("mon"), res("get", "", "services", "x", "s")));
  CHECK(recomputed.allows(user("mon"), res("get", "", "services", "x", "s")));
}
