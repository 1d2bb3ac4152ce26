// RBAC guardrails for single objects, and their config section.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "kube/json_reader.h"
#include "kube/manifest.h"
#include "rbac/guardrails.h"
#include "rbac/policy_decode.h"

namespace {
nlohmann::json obj(const std::string& yaml) { return kube::parseManifests(yaml, "t.yaml").at(0).object; }

std::vector<std::string> checks(const std::string& yaml, const rbac::GuardrailConfig& config = {}) {
  std::vector<std::string> out;
  for (const auto& f : rbac::checkGuardrails(config, obj(yaml))) out.push_back(f.check);
  return out;
}

std::string role(const std::string& name, const std::string& rule) {
  return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: '" + name + "'}\nrules: [" + rule + "]\n";
}
std::string binding(const std::string& roleName, const std::string& subject, const std::string& kind = "ClusterRoleBinding") {
  return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata: {name: b, namespace: apps}\n" +
         "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: " + roleName + "}\nsubjects: [" + subject + "]\n";
}
using Ids = std::vector<std::string>;

// The rule ids for one binding whose role is looked up in `context` first (as kguard lint passes it).
Ids bindingChecks(const std::string& yaml, const rbac::Policy& context) {
  Ids out;
  for (const auto& f : rbac::checkGuardrails({}, rbac::decodeBinding(obj(yaml)), context)) out.push_back(f.check);
  return out;
}
}  // namespace

TEST_CASE("rbac.wildcardGrant: wildcard verbs or resources in roles, outside exempt names") {
  CHECK(checks(role("r", R"({verbs: ["*"], apiGroups: [""], resources: [pods]})")) == Ids{"rbac.wildcardGrant"});
  CHECK(checks(role("r", R"({verbs: [get], apiGroups: [""], resources: ["*"]})")) == Ids{"rbac.wildcardGrant"});
  CHECK(checks(role("r", R"({verbs: [get], apiGroups: [""], resources: [pods]})")).empty());
  // A system: name alone exempts nothing (issue 13/5); exemptNamePrefixes still can.
  CHECK(checks(role("system:controller", R"({verbs: [get], apiGroups: [""], resources: ["*"]})")) == Ids{"rbac.wildcardGrant"});
  rbac::GuardrailConfig prefixes;
  prefixes.exemptNamePrefixes = {"system:"};
  CHECK(checks(role("system:controller", R"({verbs: [get], apiGroups: [""], resources: ["*"]})"), prefixes).empty());
  rbac::GuardrailConfig config;
  config.exemptRoles = {"r"};
  CHECK(checks(role("r", R"({verbs: [get], apiGroups: [""], resources: ["*"]})"), config).empty());
  auto f = rbac::checkGuardrails({}, obj(role("r", R"({verbs: [get], apiGroups: [""], resources: ["*"]})")));
  REQUIRE(f.size() == 1);
  CHECK(f[0].level == "rbac");
  CHECK(f[0].field == "rules[0].resources");
  CHECK(f[0].message.find("rbac.wildcardGrant: ClusterRole r grants wildcard resources") == 0);
}

TEST_CASE("rbac.escalationVerbs: escalate, bind, impersonate — through wildcards, not on other resources") {
  CHECK(checks(role("r", R"({verbs: [bind], apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles]})")) ==
        Ids{"rbac.escalationVerbs"});
  CHECK(checks(role("r", R"({verbs: [impersonate], apiGroups: [""], resources: [users]})")) == Ids{"rbac.escalationVerbs"});
  CHECK(checks(role("r", R"({verbs: [escalate], apiGroups: ["*"], resources: [roles]})")) == Ids{"rbac.escalationVerbs"});
  // bind on the binding resources is not the bind check; impersonate in the wrong group grants nothing.
  CHECK(checks(role("r", R"({verbs: [bind], apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings]})")).empty());
  CHECK(checks(role("r", R"({verbs: [impersonate], apiGroups: [apps], resources: [users]})")).empty());
  // Limited to named roles: a deliberate exception, not reported.
  CHECK(checks(role("r", R"({verbs: [bind], apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], resourceNames: [view]})")).empty());
  auto both = checks(role("r", R"({verbs: ["*"], apiGroups: ["*"], resources: ["*"]})"));
  CHECK(both == Ids{"rbac.wildcardGrant", "rbac.escalationVerbs"});
}

TEST_CASE("binding rules: anonymous, authenticated, cluster-admin for service accounts, wildcard roles") {
  CHECK(checks(binding("view", "{kind: Group, name: system:unauthenticated}")) == Ids{"rbac.anonymousBinding"});
  CHECK(checks(binding("view", "{kind: User, name: system:anonymous}")) == Ids{"rbac.anonymousBinding"});
  CHECK(checks(binding("view", "{kind: Group, name: system:authenticated}")) == Ids{"rbac.authenticatedBinding"});
  CHECK(checks(binding("view", "{kind: Group, name: devs}")).empty());
  CHECK(checks(binding("cluster-admin", "{kind: ServiceAccount, name: ci, namespace: apps}")) ==
        Ids{"rbac.clusterAdminServiceAccount"});
  CHECK(checks(binding("cluster-admin", "{kind: ServiceAccount, name: ci, namespace: kube-system}")).empty());
  // A RoleBinding's service account without namespace is in the binding's namespace.
  CHECK(checks(binding("cluster-admin", "{kind: ServiceAccount, name: ci}", "RoleBinding")) ==
        Ids{"rbac.clusterAdminServiceAccount"});
  CHECK(checks(binding("cluster-admin", "{kind: User, name: alice}")) == Ids{"rbac.wildcardGrant"});
  CHECK(checks(binding("cluster-admin", "{kind: Group, name: system:masters}")).empty());
  // Other kinds: no findings.
  CHECK(checks("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n").empty());
}

TEST_CASE("issue 13/5: cluster-admin judged by what a role grants; only the real bootstrap objects are exempt") {
  const std::string everything = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: super}
rules:
- {verbs: ["*"], apiGroups: ["*"], resources: ["*"]}
- {verbs: ["*"], nonResourceURLs: ["*"]}
)";
  rbac::Policy context = rbac::decodePolicy(kube::parseManifests(everything, "t.yaml"));
  auto withContext = [&](const std::string& yaml) { return bindingChecks(yaml, context); };
  CHECK(withContext(binding("super", "{kind: ServiceAccount, name: ci, namespace: apps}")) ==
        Ids{"rbac.clusterAdminServiceAccount"});
  CHECK(withContext(binding("super", "{kind: User, name: alice}")) == Ids{"rbac.wildcardGrant"});
  auto f = rbac::checkGuardrails({}, rbac::decodeBinding(obj(binding("super", "{kind: ServiceAccount, name: ci, namespace: apps}"))), context);
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("super (every verb on every resource) only in the allowed namespaces") != std::string::npos);
  // Without the role in context (the webhook), an unknown role is not judged; the built-in cluster-admin is.
  CHECK(checks(binding("super", "{kind: ServiceAccount, name: ci, namespace: apps}")).empty());
  rbac::GuardrailConfig byGrantsOnly;
  byGrantsOnly.clusterAdminRoles = {};
  CHECK(checks(binding("cluster-admin", "{kind: ServiceAccount, name: ci, namespace: apps}"), byGrantsOnly) ==
        Ids{"rbac.clusterAdminServiceAccount"});
  // A role limited by resourceNames or to one group is not everything.
  rbac::Policy limited = rbac::decodePolicy(kube::parseManifests(role("lim", R"({verbs: ["*"], apiGroups: [apps], resources: ["*"]})"), "t.yaml"));
  CHECK(rbac::checkGuardrails({}, rbac::decodeBinding(obj(binding("lim", "{kind: ServiceAccount, name: ci, namespace: apps}"))), limited).empty());

  // A binding named system:whatever is checked; the API server's own (label and bootstrap name) is not.
  const std::string sneaky = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:whatever", labels: {kubernetes.io/bootstrapping: rbac-defaults}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ci, namespace: apps}]
)";
  CHECK(checks(sneaky) == Ids{"rbac.clusterAdminServiceAccount"});
  const std::string real = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:public-info-viewer", labels: {kubernetes.io/bootstrapping: rbac-defaults}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:public-info-viewer"}
subjects: [{kind: Group, name: "system:authenticated"}, {kind: Group, name: "system:unauthenticated"}]
)";
  CHECK(checks(real).empty());
  CHECK(checks(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
rules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"]}]
)").empty());
}

TEST_CASE("aggregated ClusterRoles are judged by the rules the aggregation controller gives them") {
  // Selecting the bootstrap label aggregates cluster-admin's `*` rule (kube-controller-manager's
  // ClusterRoleAggregationController copies the selected roles' rules into this one).
  const std::string super = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: super}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {kubernetes.io/bootstrapping: rbac-defaults}}]
)";
  auto f = rbac::checkGuardrails({}, obj(super));  // the webhook: built-in roles only
  auto wildcard = std::find_if(f.begin(), f.end(), [](const findings::Finding& x) {
    return x.check == "rbac.wildcardGrant" && x.message.find("ClusterRole super aggregates wildcard verbs and resources") != std::string::npos;
  });
  REQUIRE(wildcard != f.end());
  CHECK(wildcard->field == "aggregationRule");
  CHECK(std::any_of(f.begin(), f.end(), [](const findings::Finding& x) { return x.check == "rbac.escalationVerbs"; }));
  // Its bindings grant cluster-admin (judged with the input, as lint does).
  rbac::Policy context = rbac::decodePolicy(kube::parseManifests(super, "t.yaml"));
  auto withContext = [&](const std::string& yaml) { return bindingChecks(yaml, context); };
  CHECK(withContext(binding("super", "{kind: ServiceAccount, name: app, namespace: default}")) ==
        Ids{"rbac.clusterAdminServiceAccount"});
  CHECK(withContext(binding("super", "{kind: User, name: mallory}")) == Ids{"rbac.wildcardGrant"});
  CHECK(withContext(binding("super", "{kind: User, name: mallory}", "RoleBinding")) == Ids{"rbac.wildcardGrant"});

  // Aggregating the input's own wildcard role, through a matchExpressions selector.
  const std::string chain = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all-of-it, labels: {tier: ops}}
rules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ops}
aggregationRule:
  clusterRoleSelectors: [{matchExpressions: [{key: tier, operator: In, values: [ops]}]}]
)";
  rbac::Policy chained = rbac::decodePolicy(kube::parseManifests(chain, "t.yaml"));
  Ids roleIds;
  for (const auto& x : rbac::checkGuardrails({}, chained.roles[1], chained)) roleIds.push_back(x.check);
  CHECK(roleIds == Ids{"rbac.wildcardGrant", "rbac.escalationVerbs"});
  CHECK(bindingChecks(binding("ops", "{kind: ServiceAccount, name: ci, namespace: apps}"), chained) ==
        Ids{"rbac.clusterAdminServiceAccount"});

  // Aggregating only read rules (what view aggregates) finds nothing.
  CHECK(checks(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}]
)").empty());
  CHECK(checks(binding("reader", "{kind: ServiceAccount, name: ci, namespace: apps}")).empty());
}

TEST_CASE("rbac.clusterAdminServiceAccount covers every spelling of service accounts, not only kind ServiceAccount") {
  // The user name and the groups the API server gives service accounts (system:serviceaccount:NS:NAME,
  // system:serviceaccounts, system:serviceaccounts:NS) name the same identities; with rbac.wildcardGrant
  // switched off they passed silently.
  rbac::GuardrailConfig noWildcard;
  noWildcard.rules["rbac.wildcardGrant"] = false;
  const Ids sa{"rbac.clusterAdminServiceAccount"};
  CHECK(checks(binding("cluster-admin", "{kind: User, name: 'system:serviceaccount:apps:ci'}"), noWildcard) == sa);
  CHECK(checks(binding("cluster-admin", "{kind: Group, name: 'system:serviceaccounts'}"), noWildcard) == sa);
  CHECK(checks(binding("cluster-admin", "{kind: Group, name: 'system:serviceaccounts:apps'}"), noWildcard) == sa);
  CHECK(checks(binding("cluster-admin", "{kind: Group, name: 'system:serviceaccounts'}")) == sa);  // once, not also wildcardGrant
  // In an allowed namespace they are allowed, as a ServiceAccount subject there is.
  CHECK(checks(binding("cluster-admin", "{kind: User, name: 'system:serviceaccount:kube-system:ci'}")).empty());
  CHECK(checks(binding("cluster-admin", "{kind: Group, name: 'system:serviceaccounts:kube-system'}")).empty());
  // Other users and groups stay wildcard grants.
  CHECK(checks(binding("cluster-admin", "{kind: Group, name: 'system:serviceaccountsx'}")) == Ids{"rbac.wildcardGrant"});
  CHECK(checks(binding("cluster-admin", "{kind: User, name: 'system:serviceaccount:apps'}")) == Ids{"rbac.wildcardGrant"});
}

TEST_CASE("guardrail config: defaults, switches, lists, errors with field paths") {
  auto defaults = rbac::parseGuardrailConfig(nullptr);
  CHECK(defaults.enabled("rbac.authenticatedBinding"));
  CHECK(rbac::parseGuardrailConfig(nlohmann::json::object()).clusterAdminServiceAccountNamespaces == Ids{"kube-system"});
  auto config = rbac::parseGuardrailConfig(nlohmann::json::parse(R"({
    "rules": {"authenticatedBinding": false, "rbac.wildcardGrant": true},
    "clusterAdminServiceAccountNamespaces": ["kube-system", "platform"],
    "exemptSubjects": [{"kind": "User", "name": "alice"}]
  })"));
  CHECK_FALSE(config.enabled("rbac.authenticatedBinding"));
  CHECK(checks(binding("view", "{kind: Group, name: system:authenticated}"), config).empty());
  CHECK(checks(binding("cluster-admin", "{kind: ServiceAccount, name: ci, namespace: platform}"), config).empty());
  CHECK(checks(binding("cluster-admin", "{kind: User, name: alice}"), config).empty());
  CHECK(checks(binding("cluster-admin", "{kind: Group, name: system:masters}"), config) == Ids{"rbac.wildcardGrant"});
  auto error = [](const char* text) {
    try {
      rbac::parseGuardrailConfig(nlohmann::json::parse(text));
    } catch (const kube::DecodeError& e) {
      return e.path();
    }
    return std::string("no error");
  };
  CHECK(error(R"({"rules": {"noSuchRule": false}})") == "rbac.rules.noSuchRule");
  CHECK(error(R"({"rules": {"wildcardGrant": "off"}})") == "rbac.rules.wildcardGrant");
  CHECK(error(R"({"exemptRoles": "x"})") == "rbac.exemptRoles");
  CHECK(error(R"({"exemptSubjects": [{"kind": "Robot", "name": "x"}]})") == "rbac.exemptSubjects[0].kind");
  CHECK(error(R"({"typo": 1})") == "rbac.typo");
  CHECK(error(R"([1])") == "rbac");
  try {
    rbac::parseGuardrailConfig(nlohmann::json::parse(R"({"rules": {"x": true}})"), "rbac.guardrails");
    FAIL("no error");
  } catch (const kube::DecodeError& e) {
    CHECK(e.path() == "rbac.guardrails.rules.x");
  }
}

TEST_CASE("the README's config examples parse") {
  std::ifstream in(std::string(KGUARD_SOURCE_DIR) + "/rbac/README.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  std::string readme = text.str();
  int examples = 0;
  for (std::size_t at = readme.find("```yaml\n"); at != std::string::npos; at = readme.find("```yaml\n", at + 1)) {
    std::size_t start = at + 8, end = readme.find("```", start);
    // As kguard's config file carries it (the manifest loader wants apiVersion and kind).
    auto docs = kube::parseManifests("apiVersion: kguard.io/v1\nkind: KguardConfiguration\n" + readme.substr(start, end - start),
                                     "README.md");
    REQUIRE(docs.size() == 1);
    INFO(readme.substr(start, end - start));
    CHECK_NOTHROW(rbac::parseGuardrailConfig(docs[0].object.at("rbac").at("guardrails"), "rbac.guardrails"));
    ++examples;
  }
  CHECK(examples == 2);
}

// The impersonation filter asks `impersonate userextras/KEY` for each Impersonate-Extra-KEY header
// (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): every key, not only scopes, is impersonation.
TEST_CASE("rbac.escalationVerbs: impersonation of any user-extra key, users, groups, serviceaccounts, uids") {
  for (const char* resources : {"[users]", "[groups]", "[serviceaccounts]"})
    CHECK(checks(role("r", std::string(R"({verbs: [impersonate], apiGroups: [""], resources: )") + resources + "}")) ==
          Ids{"rbac.escalationVerbs"});
  for (const char* resources : {"[uids]", "[userextras/scopes]", "[userextras/reason]", "[\"*/acme.io/team\"]"})
    CHECK(checks(role("r", std::string(R"({verbs: [impersonate], apiGroups: [authentication.k8s.io], resources: )") + resources + "}")) ==
          Ids{"rbac.escalationVerbs"});
  auto f = rbac::checkGuardrails({}, obj(role("r", R"({verbs: [impersonate], apiGroups: [authentication.k8s.io], resources: [userextras/reason]})")));
  REQUIRE(f.size() == 1);
  CHECK(f[0].message == "rbac.escalationVerbs: ClusterRole r grants impersonate userextras/reason (verbs=[impersonate] "
                        "apiGroups=[authentication.k8s.io] resources=[userextras/reason])");
  // `userextras` alone matches no request (each request names its key); the wrong group grants nothing.
  CHECK(checks(role("r", R"({verbs: [impersonate], apiGroups: [authentication.k8s.io], resources: [userextras]})")).empty());
  CHECK(checks(role("r", R"({verbs: [impersonate], apiGroups: [""], resources: [userextras/reason]})")).empty());
}

TEST_CASE("rbac.escalationVerbs: impersonating only the group system:masters is impersonating everything") {
  auto f = rbac::checkGuardrails({}, obj(role("r", R"({verbs: [impersonate], apiGroups: [""], resources: [groups], resourceNames: ["system:masters"]})")));
  REQUIRE(f.size() == 1);
  CHECK(f[0].check == "rbac.escalationVerbs");
  CHECK(f[0].message.find("grants impersonate groups (system:masters)") != std::string::npos);
  // Other names stay deliberate, reviewable exceptions.
  CHECK(checks(role("r", R"({verbs: [impersonate], apiGroups: [""], resources: [groups], resourceNames: [devs]})")).empty());
  CHECK(checks(role("r", R"({verbs: [impersonate], apiGroups: [""], resources: [users], resourceNames: ["system:masters"]})")).empty());
}
