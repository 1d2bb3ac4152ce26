// ClusterNetworkPolicy lint (cnp.*): each check fires on the case it names and stays quiet on the near
// miss next to it.
#include <catch2/catch.hpp>

#include "netpol/lint.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

namespace {

std::vector<std::string> cnpChecks(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& [index, f] : lintNetworkPolicies(kube::parseManifests(yaml, "t.yaml")))
    if (f.check.rfind("cnp.", 0) == 0) out.push_back(f.check + "@" + std::to_string(index) + ":" + f.field);
  return out;
}

std::string cnp(const std::string& name, int priority, const std::string& subject, const std::string& rules,
                const std::string& tier = "Admin") {
  return clusterPolicy(name, tier, priority, subject, rules);
}

const char* kAll = "{namespaces: {}}";
const char* kX = "{namespaces: {matchLabels: {ns: x}}}";

}  // namespace

TEST_CASE("cnp.ruleShadowed: a Deny behind an Accept of an earlier policy or rule that covers it") {
  auto accept = cnp("a", 10, kAll, "  ingress: [{action: Accept, from: [{namespaces: {matchLabels: {ns: w}}}]}]");
  auto deny80 = cnp("b", 20, kX,
                    "  ingress: [{action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {ns: w}}, podSelector: "
                    "{matchLabels: {app: web}}}}], protocols: [{tcp: {destinationPort: {number: 80}}}]}]");
  CHECK(cnpChecks(accept + deny80) == std::vector<std::string>{"cnp.ruleShadowed@1:spec.ingress[0]"});
  // Near misses: the Accept comes later (higher number), is in the other tier, or covers less.
  CHECK(cnpChecks(cnp("a", 30, kAll, "  ingress: [{action: Accept, from: [{namespaces: {matchLabels: {ns: w}}}]}]") + deny80).empty());
  CHECK(cnpChecks(cnp("a", 10, kAll, "  ingress: [{action: Accept, from: [{namespaces: {matchLabels: {ns: w}}}]}]", "Baseline") +
                  deny80)
            .empty());
  CHECK(cnpChecks(cnp("a", 10, kAll,
                      "  ingress: [{action: Accept, from: [{namespaces: {matchLabels: {ns: w}}}], protocols: "
                      "[{udp: {destinationPort: {number: 80}}}]}]") +
                  deny80)
            .empty());
  // Within one policy: a broad networks Deny before a narrower Accept.
  auto inOne = cnp("c", 5, kAll, "  egress:\n  - {action: Deny, to: [{networks: [10.0.0.0/8]}]}\n  - {action: Accept, to: [{networks: [10.1.0.0/16]}]}");
  CHECK(cnpChecks(inOne) == std::vector<std::string>{"cnp.ruleShadowed@0:spec.egress[1]"});
  auto reversed = cnp("c", 5, kAll, "  egress:\n  - {action: Accept, to: [{networks: [10.1.0.0/16]}]}\n  - {action: Deny, to: [{networks: [10.0.0.0/8]}]}");
  CHECK(cnpChecks(reversed).empty());
}

// Containment for every operator (labels.Requirement.Matches: NotIn and DoesNotExist also match without
// the key): a rule is reported shadowed only when the earlier one matches all of its traffic.
TEST_CASE("cnp.ruleShadowed: selector containment through NotIn, DoesNotExist, Exists and In") {
  auto shadowed = [](const std::string& earlierPeer, const std::string& laterPeer) {
    auto checks = cnpChecks(cnp("a", 1, kAll, "  ingress: [{action: Accept, from: [{namespaces: " + earlierPeer + "}]}]") +
                            cnp("b", 2, kAll, "  ingress: [{action: Deny, from: [{namespaces: " + laterPeer + "}]}]"));
    if (checks.empty()) return false;
    CHECK(checks == std::vector<std::string>{"cnp.ruleShadowed@1:spec.ingress[0]"});
    return true;
  };
  auto expr = [](const std::string& key, const std::string& op, const std::string& values = "") {
    return "{matchExpressions: [{key: " + key + ", operator: " + op + (values.empty() ? "" : ", values: [" + values + "]") + "}]}";
  };
  // Earlier NotIn: covers a later In/matchLabels outside its values, a narrower NotIn, DoesNotExist.
  CHECK(shadowed(expr("env", "NotIn", "prod"), "{matchLabels: {env: dev}}"));
  CHECK(shadowed(expr("env", "NotIn", "prod"), expr("env", "In", "dev, test")));
  CHECK(shadowed(expr("env", "NotIn", "prod"), expr("env", "NotIn", "prod, staging")));
  CHECK(shadowed(expr("env", "NotIn", "prod"), expr("env", "DoesNotExist")));
  CHECK_FALSE(shadowed(expr("env", "NotIn", "prod"), expr("env", "In", "prod, dev")));
  CHECK_FALSE(shadowed(expr("env", "NotIn", "prod, staging"), expr("env", "NotIn", "prod")));
  CHECK_FALSE(shadowed(expr("env", "NotIn", "prod"), expr("env", "Exists")));
  CHECK_FALSE(shadowed(expr("env", "NotIn", "prod"), "{matchLabels: {team: a}}"));  // env may be prod
  // Earlier DoesNotExist: covers only selectors that forbid the key.
  CHECK(shadowed(expr("env", "DoesNotExist"), "{matchExpressions: [{key: env, operator: DoesNotExist}, {key: a, operator: Exists}]}"));
  CHECK_FALSE(shadowed(expr("env", "DoesNotExist"), expr("env", "NotIn", "prod")));
  CHECK_FALSE(shadowed(expr("env", "DoesNotExist"), "{matchLabels: {team: a}}"));
  // Earlier Exists / In: the key must be there, with one of the values.
  CHECK(shadowed(expr("env", "Exists"), "{matchLabels: {env: dev}}"));
  CHECK(shadowed(expr("env", "Exists"), expr("env", "In", "a, b")));
  CHECK_FALSE(shadowed(expr("env", "Exists"), expr("env", "NotIn", "a")));
  CHECK(shadowed(expr("env", "In", "dev, test"), "{matchLabels: {env: dev}}"));
  CHECK(shadowed("{matchLabels: {env: dev}}", expr("env", "In", "dev")));
  CHECK_FALSE(shadowed(expr("env", "In", "dev"), expr("env", "In", "dev, test")));
  // Two requirements of the later selector on one key combine: In (a, b) and NotIn (b) is env=a.
  CHECK(shadowed("{matchLabels: {env: a}}",
                 "{matchExpressions: [{key: env, operator: In, values: [a, b]}, {key: env, operator: NotIn, values: [b]}]}"));
  // A later selector that matches nothing (env=a and env in (b)) is not called shadowed.
  CHECK_FALSE(shadowed(expr("env", "Exists"), "{matchLabels: {env: a}, matchExpressions: [{key: env, operator: In, values: [b]}]}"));
}

TEST_CASE("cnp.subjectMatchesNothing and cnp.peersMatchNothing need pods in the input") {
  auto pods = ns("x", "{ns: x}") + pod("x", "a", "{app: web}", "10.1.0.1");
  auto typo = cnp("t", 1, "{namespaces: {matchLabels: {ns: xx}}}",
                  "  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {ns: nope}}}]}]");
  CHECK(cnpChecks(pods + typo) == std::vector<std::string>{"cnp.subjectMatchesNothing@2:spec.subject",
                                                           "cnp.peersMatchNothing@2:spec.ingress[0].from"});
  CHECK(cnpChecks(typo).empty());  // no pods: nothing to judge selectors against
  auto fine = cnp("t", 1, kX, "  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {ns: x}}}, {pods: {podSelector: {}}}]}]");
  CHECK(cnpChecks(pods + fine).empty());
}

TEST_CASE("cnp.subjectMatchesNothing and cnp.peersMatchNothing name the hostNetwork pods a selector only matches") {
  // Host-network pods are never subjects nor namespaces/pods peers (SPEC.md section 2).
  auto pods = ns("x", "{ns: x}") + pod("x", "a", "{app: web}", "10.1.0.1") +
              pod("x", "h", "{app: agent}", "192.168.0.5", "[]", "  hostNetwork: true\n");
  auto agent = cnp("t", 1, "{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: agent}}}}",
                   "  egress: [{action: Deny, to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: agent}}}}]}]");
  auto findings = lintNetworkPolicies(kube::parseManifests(pods + agent, "t.yaml"));
  std::vector<std::string> messages;
  for (const auto& [index, f] : findings)
    if (f.check == "cnp.subjectMatchesNothing" || f.check == "cnp.peersMatchNothing") messages.push_back(f.message);
  REQUIRE(messages.size() == 2);
  for (const auto& m : messages) CHECK_THAT(m, Catch::Contains("it matches only hostNetwork pods: x/h;"));
  // A selector matching nothing at all gets no such note.
  auto typo = cnp("t", 1, "{namespaces: {matchLabels: {ns: xx}}}", "  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {ns: nope}}}]}]");
  for (const auto& [index, f] : lintNetworkPolicies(kube::parseManifests(pods + typo, "t.yaml")))
    CHECK_THAT(f.message, !Catch::Contains("hostNetwork"));
}

TEST_CASE("cnp.priorityTie: same tier and priority, overlapping subjects, different actions in a common direction") {
  auto denyIn = "  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {ns: w}}}]}]";
  auto acceptIn = "  ingress: [{action: Accept, from: [{namespaces: {matchLabels: {ns: v}}}]}]";
  auto acceptOut = "  egress: [{action: Accept, to: [{networks: [1.1.1.1/32]}]}]";
  CHECK(cnpChecks(cnp("a", 7, kAll, denyIn) + cnp("b", 7, kX, acceptIn)) ==
        std::vector<std::string>{"cnp.priorityTie@1:spec.priority"});
  auto tie = lintNetworkPolicies(kube::parseManifests(cnp("a", 7, kAll, denyIn) + cnp("b", 7, kX, acceptIn), "t.yaml"));
  REQUIRE(tie.size() == 1);
  CHECK_THAT(tie[0].second.message, Catch::Contains("have ingress rules of different actions") &&
                                        Catch::Contains("kguard evaluates \"a\" first, by name"));
  // Near misses: another priority or tier.
  CHECK(cnpChecks(cnp("a", 7, kAll, denyIn) + cnp("b", 8, kX, acceptIn)).empty());
  CHECK(cnpChecks(cnp("a", 7, kAll, denyIn) + cnp("b", 7, kX, acceptIn, "Baseline")).empty());
  // Ingress rules are ordered only against ingress rules: one policy ingress only, the other egress only.
  CHECK(cnpChecks(cnp("a", 7, kAll, denyIn) + cnp("b", 7, kX, acceptOut)).empty());
  // One action on both sides: either order gives the same verdict.
  CHECK(cnpChecks(cnp("a", 7, kAll, denyIn) + cnp("b", 7, kX, "  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {ns: v}}}]}]")).empty());
  // ...but a common direction with two actions ties, whatever else the policies hold.
  CHECK(cnpChecks(cnp("a", 7, kAll, std::string(denyIn) + "\n" + acceptOut) +
                  cnp("b", 7, kX, "  egress: [{action: Deny, to: [{networks: [2.2.2.2/32]}]}]")) ==
        std::vector<std::string>{"cnp.priorityTie@1:spec.priority"});
}

// The same object given twice (two files, or an edited copy) is one object in the cluster: kubectl apply
// leaves one of them. Its copies do not shadow each other's rules nor tie on priority.
TEST_CASE("cnp.ruleShadowed and cnp.priorityTie: two copies of one ClusterNetworkPolicy are not two policies") {
  auto deny = cnp("a", 7, kAll, "  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {ns: w}}}]}]");
  CHECK(cnpChecks(deny + deny).empty());
  auto edited = cnp("a", 7, kAll, "  ingress: [{action: Deny, from: [{namespaces: {}}]}]");
  CHECK(cnpChecks(edited + deny).empty());
  // A different policy still ties and shadows.
  CHECK(cnpChecks(edited + cnp("b", 7, kAll, "  ingress: [{action: Accept, from: [{namespaces: {matchLabels: {ns: w}}}]}]")) ==
        std::vector<std::string>{"cnp.ruleShadowed@1:spec.ingress[0]", "cnp.priorityTie@1:spec.priority"});
}

TEST_CASE("cnp.invalid: the CRD's rules, and v1alpha1 kinds, as errors naming the field") {
  auto findings = lintNetworkPolicies(kube::parseManifests(
      cnp("bad", 1, kAll, "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: "
                          "{range: {start: 9, end: 2}}}}]}]") +
          "---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec: {}\n",
      "t.yaml"));
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].second.check == "cnp.invalid");
  CHECK(findings[0].second.field == "spec.ingress[0].protocols[0].tcp.destinationPort.range");
  CHECK(findings[0].second.enforcement == findings::Enforcement::Error);
  CHECK(findings[1].second.check == "cnp.invalid");
  CHECK(findings[1].first == 1);
  CHECK_THAT(findings[1].second.message, Catch::Contains("BaselineAdminNetworkPolicy"));
}
