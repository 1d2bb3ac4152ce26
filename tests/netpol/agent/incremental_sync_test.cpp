// The agent compiles only pods whose inputs changed (ruleset_inputs.h), and what it installs is the
// same as compiling everything from scratch.
#include <catch2/catch.hpp>

#include <map>

#include "netpol/agent/event_loop.h"
#include "netpol/agent/kernel_datapath.h"
#include "netpol/agent/reconciler.h"
#include "netpol/agent/ruleset_inputs.h"
#include "netpol/render_nft.h"
#include "tests/netpol/agent/fake_datapath.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol::agent;
using namespace netpol_test;

namespace {

// x/a, x/b and y/c; `bLabels` lets a test relabel a peer.
std::string world(const std::string& bLabels = "{app: b}") {
  return ns("x") + ns("y", "{team: t}") + pod("x", "a", "{app: a}", "10.0.0.1") + pod("x", "b", bLabels, "10.0.0.2") +
         pod("y", "c", "{app: c}", "10.0.0.3");
}

std::string allowToA(int port) {
  return policy("x", "to-a", "  podSelector: {matchLabels: {app: a}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: b}}}]\n"
                             "    ports: [{port: " + std::to_string(port) + "}]");
}
std::string allowToC(int port) {
  return policy("y", "to-c", "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n    ports: [{port: " +
                                 std::to_string(port) + "}]");
}

// What a fresh agent would install for every local pod of `c`.
std::map<uint64_t, std::string> fromScratch(const std::vector<NamespaceInfo>& present, const Cluster& c) {
  FakeDatapath dp;
  dp.present = present;
  Reconciler fresh(dp, "", {});
  fresh.sync(c);
  std::map<uint64_t, std::string> out;
  for (const auto& [id, rs] : dp.tables) out[id] = renderNft(rs);
  return out;
}

std::map<uint64_t, std::string> rendered(const FakeDatapath& dp) {
  std::map<uint64_t, std::string> out;
  for (const auto& [id, rs] : dp.tables) out[id] = renderNft(rs);
  return out;
}

}  // namespace

TEST_CASE("a policy change compiles only the pods that policy selects") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1"), netnsWith(2, "10.0.0.2"), netnsWith(3, "10.0.0.3")};
  Reconciler agent(dp, "", {});
  auto first = agent.sync(cluster(world() + allowToA(80) + allowToC(80)));
  CHECK(first.compiled == 3);

  auto changed = cluster(world() + allowToA(81) + allowToC(80));
  dp.calls.clear();
  auto stats = agent.sync(changed);
  CHECK(stats.compiled == 1);
  CHECK(stats.installed == 1);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n1"});
  CHECK(rendered(dp) == fromScratch(dp.present, changed));

  // Nothing changed: nothing is compiled.
  CHECK(agent.sync(changed).compiled == 0);

  // A policy appears that selects y/c only.
  auto more = cluster(world() + allowToA(81) + allowToC(80) +
                      policy("y", "deny-c", "  podSelector: {matchLabels: {app: c}}\n  policyTypes: [Egress]"));
  dp.calls.clear();
  auto added = agent.sync(more);
  CHECK(added.compiled == 1);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n3"});
  CHECK(rendered(dp) == fromScratch(dp.present, more));
}

TEST_CASE("a change to pods or namespaces recompiles every pod, since any peer may have moved") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1"), netnsWith(2, "10.0.0.2"), netnsWith(3, "10.0.0.3")};
  Reconciler agent(dp, "", {});
  agent.sync(cluster(world() + allowToA(80) + allowToC(80)));

  // x/b loses the label that let it reach x/a: x/a's allowed peers change although no policy did.
  auto relabelled = cluster(world("{app: other}") + allowToA(80) + allowToC(80));
  dp.calls.clear();
  auto stats = agent.sync(relabelled);
  CHECK(stats.compiled == 3);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n1"});
  CHECK(rendered(dp) == fromScratch(dp.present, relabelled));
}

TEST_CASE("a policy removed stops isolating the pods it selected") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1"), netnsWith(3, "10.0.0.3")};
  Reconciler agent(dp, "", {});
  agent.sync(cluster(world() + allowToA(80) + allowToC(80)));
  CHECK(dp.tables.at(1).ingress.isolated());
  auto without = cluster(world() + allowToC(80));
  auto stats = agent.sync(without);
  CHECK(stats.compiled == 1);
  CHECK(!dp.tables.at(1).ingress.isolated());
  CHECK(rendered(dp) == fromScratch(dp.present, without));
}

TEST_CASE("policies built in code (no canonical spec) are always compiled") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1")};
  Reconciler agent(dp, "", {});
  auto c = cluster(world() + allowToA(80));
  c.policies[0].canonicalSpec.clear();
  agent.sync(c);
  CHECK(agent.sync(c).compiled == 1);
}

TEST_CASE("the world text changes with every field a peer is resolved by") {
  auto base = describeWorld(cluster(world()));
  CHECK(describeWorld(cluster(world())) == base);
  CHECK(describeWorld(cluster(world("{app: b, extra: x}"))) != base);
  CHECK(describeWorld(cluster(ns("x") + ns("y", "{team: u}") + pod("x", "a", "{app: a}", "10.0.0.1") +
                              pod("x", "b", "{app: b}", "10.0.0.2") + pod("y", "c", "{app: c}", "10.0.0.3"))) != base);
  CHECK(describeWorld(cluster(ns("x") + ns("y", "{team: t}") + pod("x", "a", "{app: a}", "10.0.0.1") +
                              pod("x", "b", "{app: b}", "10.0.0.9") + pod("y", "c", "{app: c}", "10.0.0.3"))) != base);
  CHECK(describeWorld(cluster(ns("x") + ns("y", "{team: t}") + pod("x", "a", "{app: a}", "10.0.0.1") +
                              pod("x", "b", "{app: b}", "10.0.0.2", "[{name: http, containerPort: 8080}]") +
                              pod("y", "c", "{app: c}", "10.0.0.3"))) != base);
  // Label text that would be ambiguous if fields were simply concatenated.
  CHECK(describeWorld(cluster(ns("q", "{ab: c}"))) != describeWorld(cluster(ns("q", "{a: bc}"))));
}

TEST_CASE("selecting policies are those of the pod's namespace whose podSelector matches") {
  auto c = cluster(world() + allowToA(80) + allowToC(80));
  auto a = selectingPolicySpecs(c, podOf(c, "x/a"));
  REQUIRE(a);
  REQUIRE(a->networkPolicies.size() == 1);
  CHECK(a->networkPolicies.at(0).rfind("x/to-a\n", 0) == 0);
  CHECK(a->clusterPolicies.empty());
  CHECK(selectingPolicySpecs(c, podOf(c, "x/b"))->empty());
  auto changed = cluster(world() + allowToA(81) + allowToC(80));
  CHECK(selectingPolicySpecs(changed, podOf(changed, "x/a")) != a);
}

TEST_CASE("the agent's metrics follow what is installed") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1"), netnsWith(2, "10.0.0.2")};
  AgentMetrics metrics;
  Reconciler agent(dp, "", {}, &metrics);
  auto c = cluster(world() + allowToA(80));
  agent.sync(c, Reconciler::Clock::now());
  CHECK(metrics.podsProgrammed.value() == 2);
  CHECK(metrics.operations.value({"install", "ok"}) == 2);
  CHECK(metrics.programmingLatency.count() == 2);
  RulesetCompiler compiler(c);
  auto a = compiler.compile(podOf(c, "x/a"));
  auto b = compiler.compile(podOf(c, "x/b"));
  CHECK(metrics.elements.value() == double(a.ingress.elementCount() + a.egress.elementCount() + b.ingress.elementCount() +
                                           b.egress.elementCount()));
  CHECK(metrics.rules.value() == double(ruleCount(a) + ruleCount(b)));
  CHECK(ruleCount(b) == 0);      // not isolated: no chains
  CHECK(ruleCount(a) == 11);     // ct, lo, icmpv6, 2 node, 2 any, 2 ports, mid-stream, drop
  auto text = metrics.render();
  CHECK(text.find("kguard_netpol_pods_programmed 2\n") != std::string::npos);
  CHECK(text.find("kguard_netpol_programming_duration_seconds_count 2\n") != std::string::npos);

  dp.present.pop_back();  // x/b's namespace is gone
  agent.sync(c);          // no change time: a resync is not a programming latency sample
  CHECK(metrics.podsProgrammed.value() == 1);
  CHECK(metrics.programmingLatency.count() == 2);
}

TEST_CASE("a ClusterNetworkPolicy change compiles only the pods it selects, and is enforced", "[cnp]") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1"), netnsWith(2, "10.0.0.2"), netnsWith(3, "10.0.0.3")};
  Reconciler agent(dp, "", {});
  std::string inX = "{namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}";
  auto denyFromC = [&](int priority) {
    return clusterPolicy("deny-c", "Admin", priority, inX, "  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {team: t}}}]}]");
  };
  auto first = agent.sync(cluster(world() + denyFromC(5) + allowToC(80)));
  CHECK(first.compiled == 3);
  CHECK(first.messages.size() == 3);  // three installs, no "not enforced" warning any more
  CHECK_FALSE(dp.tables.at(1).admitsIngress(*parseIp("10.0.0.3"), Protocol::TCP, 80));
  CHECK(dp.tables.at(1).admitsIngress(*parseIp("10.0.0.2"), Protocol::TCP, 80));

  // Its priority changes: the two pods of x compile again, y/c does not.
  auto changed = cluster(world() + denyFromC(6) + allowToC(80));
  dp.calls.clear();
  auto stats = agent.sync(changed);
  CHECK(stats.compiled == 2);
  CHECK(stats.installed == 0);  // same boxes: the tables did not change
  // A Pass of a lower priority number selecting only x/a hands TCP 80 from y/c down.
  auto passed = cluster(world() + denyFromC(6) + allowToC(80) +
                        clusterPolicy("pass-80", "Admin", 1, "{pods: {podSelector: {matchLabels: {app: a}}}}",
                                      "  ingress: [{action: Pass, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 80}}}]}]"));
  dp.calls.clear();
  stats = agent.sync(passed);
  CHECK(stats.compiled == 1);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n1"});
  CHECK(dp.tables.at(1).admitsIngress(*parseIp("10.0.0.3"), Protocol::TCP, 80));
  CHECK_FALSE(dp.tables.at(1).admitsIngress(*parseIp("10.0.0.3"), Protocol::TCP, 81));
  CHECK(rendered(dp) == fromScratch(dp.present, passed));

  // Node labels are part of the world (`nodes` peers select by them): a relabel recompiles every pod.
  auto node = [](const std::string& labels) {
    return "---\napiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: " + labels + "}\n";
  };
  CHECK(describeWorld(cluster(world() + node("{a: b}"))) != describeWorld(cluster(world() + node("{a: c}"))));
}

TEST_CASE("a ClusterNetworkPolicy change compiles only the tiers; the NetworkPolicy part stays as compiled", "[cnp]") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1"), netnsWith(2, "10.0.0.2"), netnsWith(3, "10.0.0.3")};
  Reconciler agent(dp, "", {});
  auto everyone = [](const std::string& tier, int port) {
    return clusterPolicy(tier == "Admin" ? "admin-deny" : "base-deny", tier, 5, "{namespaces: {}}",
                         "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: " +
                             std::to_string(port) + "}}}]}]");
  };
  // x/a is isolated by to-a (no Baseline for its ingress), x/b and y/c are not.
  agent.sync(cluster(world() + allowToA(80) + everyone("Admin", 81) + everyone("Baseline", 82)));
  auto adminChanged = cluster(world() + allowToA(80) + everyone("Admin", 83) + everyone("Baseline", 82));
  auto stats = agent.sync(adminChanged);
  CHECK(stats.compiled == 3);
  CHECK(stats.tiersOnly == 3);
  CHECK(rendered(dp) == fromScratch(dp.present, adminChanged));
  CHECK_FALSE(dp.tables.at(1).admitsIngress(*parseIp("10.0.0.3"), Protocol::TCP, 83));
  CHECK(dp.tables.at(1).admitsIngress(*parseIp("10.0.0.2"), Protocol::TCP, 80));

  // The NetworkPolicy goes: x/a's NetworkPolicy part (and so its Baseline) is compiled afresh.
  auto noPolicy = cluster(world() + everyone("Admin", 83) + everyone("Baseline", 84));
  stats = agent.sync(noPolicy);
  CHECK(stats.compiled == 3);
  CHECK(stats.tiersOnly == 2);
  CHECK(rendered(dp) == fromScratch(dp.present, noPolicy));
  CHECK_FALSE(dp.tables.at(1).admitsIngress(*parseIp("10.0.0.2"), Protocol::TCP, 84));

  // A pod's labels change (the world): everything is compiled afresh.
  auto relabelled = cluster(world("{app: b, role: peer}") + everyone("Admin", 85) + everyone("Baseline", 84));
  stats = agent.sync(relabelled);
  CHECK(stats.tiersOnly == 0);
  CHECK(rendered(dp) == fromScratch(dp.present, relabelled));
}
