// Every asserted connection of the ClusterNetworkPolicy conformance cases (tests/conformance/cnp) through
// the built `kguard netpol matrix`, as a user runs it: topology [+ setup] + policies, one matrix per
// protocol and port of the step, the asserted cell read back. SCTP cells are judged offline like TCP/UDP.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>

#include "tests/netpol/conformance_cases.h"

using namespace netpol_test;

namespace {

// The cell of `from` -> `to` in a matrix block.
char cell(const ProbeBlock& block, const std::string& from, const std::string& to) {
  for (size_t r = 0; r < block.rowPods.size(); ++r) {
    if (block.rowPods[r] != from) continue;
    for (size_t c = 0; c < block.pods.size(); ++c)
      if (block.pods[c] == to) return block.cells[r][c];
  }
  return '?';
}

}  // namespace

TEST_CASE("kguard netpol matrix decides every asserted ClusterNetworkPolicy connection as upstream", "[cnp]") {
  auto steps = conformanceSteps(KGUARD_CNP_CONFORMANCE_DIR);
  REQUIRE(steps.size() >= 72);
  size_t checked = 0, denied = 0, sctp = 0;
  for (const auto& step : steps) {
    REQUIRE(!step.connections.empty());
    std::map<std::pair<std::string, int>, ProbeBlock> matrices;  // (protocol, port) -> kguard's matrix
    for (const auto& expected : step.connections) {
      auto key = std::make_pair(expected.protocol, expected.port);
      if (!matrices.count(key)) {
        std::string command = quoted(KGUARD_BINARY) + " netpol matrix";
        for (const auto& f : step.files) command += " -f " + quoted(f);
        command += " --protocol " + expected.protocol + " --port " + std::to_string(expected.port);
        INFO(command);
        auto out = runCommand(command);
        REQUIRE(out.exitCode == 0);
        auto blocks = parseProbeBlocks(out.text);
        REQUIRE(blocks.size() == 1);
        matrices[key] = blocks[0];
      }
      INFO(step.name << ": " << expected.from << " -> " << expected.to << " " << expected.protocol << " "
                     << expected.port);
      CHECK(cell(matrices[key], expected.from, expected.to) == (expected.allowed ? '.' : 'X'));
      ++checked;
      denied += !expected.allowed;
      sctp += expected.protocol == "sctp";
    }
  }
  // The 24 cases of 0eec1b0 hold 305 assertions, 395 with the 10 later ones (SOURCES.md); both verdicts and SCTP
  // must be among them.
  CHECK(checked >= 395);
  CHECK(denied > 50);
  CHECK(sctp > 10);
  WARN("checked " << checked << " connections (" << denied << " denied, " << sctp << " sctp)");
}

TEST_CASE("explain names the tier, policy and rule that decided, and a Pass that handed the decision down", "[cnp]") {
  std::string dir = KGUARD_CNP_CONFORMANCE_DIR;
  std::string base = quoted(KGUARD_BINARY) + " netpol explain -f " + quoted(dir + "/topology.yaml") + " -f " +
                     quoted(dir + "/CNPAdminTierEgressNodePeers/policies.yaml") +
                     " --from network-policy-conformance-gryffindor/harry-potter-1"
                     " --to network-policy-conformance-forbidden-forrest/centaur-1";
  auto denied = runCommand(base + " --protocol sctp --port 34351");
  CHECK(denied.exitCode == 1);
  CHECK_THAT(denied.text, Catch::Contains("denied by Admin ClusterNetworkPolicy \"node-and-cidr-as-peers-example\" "
                                          "(priority 75) egress[2] \"deny-egress-to-slytherin-and-nodes-and-internet\": Deny"));
  auto passed = runCommand(base + " --protocol udp --port 34347");
  CHECK(passed.exitCode == 0);
  CHECK_THAT(passed.text, Catch::Contains("egress[1] \"pass-egress-to-34347-on-nodes\": Pass, handing the decision down"));
  auto accepted = runCommand(base + " --protocol tcp --port 34345");
  CHECK(accepted.exitCode == 0);
  CHECK_THAT(accepted.text, Catch::Contains("allowed by Admin ClusterNetworkPolicy \"node-and-cidr-as-peers-example\" "
                                            "(priority 75) egress[0] \"allow-egress-to-34345-on-nodes\": Accept"));
}

TEST_CASE("compile prints the Admin tier of a pod a ClusterNetworkPolicy selects, deciding rules in comments", "[cnp]") {
  std::string dir = KGUARD_CNP_CONFORMANCE_DIR;
  auto out = runCommand(quoted(KGUARD_BINARY) + " netpol compile -f " + quoted(dir + "/topology.yaml") + " -f " +
                        quoted(dir + "/CNPAdminTierEgressNodePeers/policies.yaml") +
                        " --pod network-policy-conformance-gryffindor/harry-potter-1 2>&1");
  CHECK(out.exitCode == 0);
  CHECK_THAT(out.text, Catch::Contains("ip daddr . meta l4proto . th dport vmap @admin_egress_v4\n") &&
                           Catch::Contains("10.0.255.1-10.0.255.2 . tcp . 34345 comment \"Admin node-and-cidr-as-peers-example egress[0] "
                                           "(allow-egress-to-34345-on-nodes)\" : accept") &&
                           Catch::Contains(": goto admin_egress_deny") &&
                           Catch::Contains("chain admin_egress_deny {\n\t\t# Admin egress Deny: count, drop\n\t\tjump egress_exempt\n"
                                           "\t\tcounter name \"egress_denied\" drop\n") &&
                           Catch::Contains("chain egress_exempt {\n") &&
                           Catch::Contains("Admin node-and-cidr-as-peers-example egress[0] (allow-egress-to-34345-on-nodes)"));
  CHECK_THAT(out.text, !Catch::Contains("chain input"));  // the policy has no ingress rules
}

TEST_CASE("a bad ClusterNetworkPolicy exits 2 naming the file and field", "[cnp]") {
  auto out = runCommand("printf 'apiVersion: policy.networking.k8s.io/v1alpha2\\nkind: ClusterNetworkPolicy\\n"
                        "metadata: {name: c}\\nspec:\\n  tier: Admin\\n  priority: 1\\n  subject: {namespaces: {}}\\n"
                        "  egress: [{action: Deny, to: [{domainNames: [example.com]}]}]\\n' | " +
                        quoted(KGUARD_BINARY) + " netpol matrix -f - 2>&1");
  CHECK(out.exitCode == 2);
  CHECK_THAT(out.text, Catch::Contains("<stdin>") && Catch::Contains("spec.egress[0].to[0].domainNames") &&
                           Catch::Contains("not supported"));
}

namespace {

struct ListedChange {
  std::string from, to, protocol;
  int first = 0, last = 0;
  bool nowAllowed = false;
};

// The "newly allowed|denied: FROM -> TO PROTO A[-B]" lines of `kguard netpol diff`.
std::vector<ListedChange> parseDiff(const std::string& text) {
  std::vector<ListedChange> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string newly, verdict, from, arrow, to, protocol, ports;
    if (!(words >> newly >> verdict >> from >> arrow >> to >> protocol >> ports) || newly != "newly") continue;
    ListedChange c{from, to, protocol, 0, 0, verdict == "allowed:"};
    auto dash = ports.find('-');
    c.first = std::stoi(ports.substr(0, dash));
    c.last = dash == std::string::npos ? c.first : std::stoi(ports.substr(dash + 1));
    out.push_back(c);
  }
  return out;
}

}  // namespace

// Whether a listed change covers an asserted connection.
bool covers(const ListedChange& c, const ExpectedConnection& e) {
  return c.from == e.from && c.to == e.to && c.protocol == e.protocol && c.first <= e.port && e.port <= c.last;
}

TEST_CASE("diff between consecutive steps agrees with both steps' asserted connections", "[cnp]") {
  auto steps = conformanceSteps(KGUARD_CNP_CONFORMANCE_DIR);
  size_t pairs = 0, listedChecked = 0, completeness = 0;
  for (size_t i = 0; i + 1 < steps.size(); ++i) {
    const auto& a = steps[i];
    const auto& b = steps[i + 1];
    if (a.name.substr(0, a.name.find('/')) != b.name.substr(0, b.name.find('/'))) continue;  // another case
    std::string command = quoted(KGUARD_BINARY) + " netpol diff";
    for (const auto& f : a.files) command += " -f " + quoted(f);
    for (const auto& f : b.files) command += " --with " + quoted(f);
    auto out = runCommand(command);
    auto listed = parseDiff(out.text);
    INFO(command);
    CHECK(out.exitCode == (listed.empty() ? 0 : 1));
    ++pairs;
    // Sound: every listed change says what each step asserts for the connections it covers.
    for (const auto& c : listed) {
      for (const auto& e : b.connections)
        if (covers(c, e)) {
          INFO(b.name << ": " << e.from << " -> " << e.to << " " << e.protocol << " " << e.port);
          CHECK(e.allowed == c.nowAllowed);
          ++listedChecked;
        }
      for (const auto& e : a.connections)
        if (covers(c, e)) {
          INFO(a.name << ": " << e.from << " -> " << e.to << " " << e.protocol << " " << e.port);
          CHECK(e.allowed == !c.nowAllowed);
          ++listedChecked;
        }
    }
    // Complete: a connection both steps assert with different verdicts is listed.
    for (const auto& before : a.connections)
      for (const auto& after : b.connections)
        if (before.from == after.from && before.to == after.to && before.protocol == after.protocol &&
            before.port == after.port && before.allowed != after.allowed) {
          INFO(b.name << ": " << after.from << " -> " << after.to << " " << after.protocol << " " << after.port);
          CHECK(std::any_of(listed.begin(), listed.end(), [&](const ListedChange& c) { return covers(c, after); }));
          ++completeness;
        }
  }
  CHECK(pairs >= 20);
  CHECK(listedChecked >= 50);
  CHECK(completeness >= 15);
  WARN(pairs << " step pairs: " << listedChecked << " asserted connections inside listed changes, " << completeness
             << " asserted changes found");
}

TEST_CASE("diff of a state with itself lists nothing and exits 0", "[cnp]") {
  std::string dir = KGUARD_CNP_CONFORMANCE_DIR;
  std::string files = " " + quoted(dir + "/topology.yaml") + " " + quoted(dir + "/CNPAdminTierGress/step1/policies.yaml");
  auto out = runCommand(quoted(KGUARD_BINARY) + " netpol diff -f" + files + " --with" + files);
  CHECK(out.exitCode == 0);
  CHECK(out.text == "0 newly allowed, 0 newly denied\n");
}
