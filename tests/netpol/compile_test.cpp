#include <catch2/catch.hpp>

#include <set>

#include "netpol/nft_table.h"
#include "netpol/ruleset.h"
#include "tests/netpol/conformance_cases.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

namespace {

// The compiled rulesets of both ends, simulated: egress of the source, ingress of the destination.
bool rulesetsAllow(const Cluster& c, const Pod& from, const Pod& to, Protocol protocol, int port) {
  auto dst = *to.firstIp(Family::V4);
  auto src = *from.firstIp(Family::V4);
  return compileRuleset(c, from).admitsEgress(dst, protocol, port) && compileRuleset(c, to).admitsIngress(src, protocol, port);
}

}  // namespace

TEST_CASE("compiled rulesets agree with the evaluator on every conformance probe") {
  size_t checked = 0;
  for (const auto& step : conformanceSteps(KGUARD_NETPOL_CONFORMANCE_DIR)) {
    auto c = decodeCluster(kube::loadManifests(step.files));
    for (const auto& probeBlock : step.probes) {
      auto protocol = *parseProtocol(probeBlock.protocol);
      for (const auto& from : c.pods)
        for (const auto& to : c.pods) {
          if (from.id() == to.id()) continue;
          INFO(step.name << " " << from.id() << " -> " << to.id() << " " << probeBlock.protocol << " " << probeBlock.port);
          bool expected = evaluateConnection(c, {&from, *from.firstIp(Family::V4)}, {&to, *to.firstIp(Family::V4)},
                                             protocol, probeBlock.port).allowed();
          CHECK(rulesetsAllow(c, from, to, protocol, probeBlock.port) == expected);
          ++checked;
        }
    }
  }
  CHECK(checked > 2000);
}

TEST_CASE("not isolated directions have no sets; isolated ones list their policies") {
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1") +
                   policy("x", "p", "  podSelector: {}\n  ingress: [{from: [{podSelector: {}}]}]"));
  auto rs = compileRuleset(c, podOf(c, "x/a"));
  CHECK(rs.ingress.isolatingPolicies == std::vector<std::string>{"x/p"});
  CHECK_FALSE(rs.egress.isolated());
  CHECK(rs.egress.elementCount() == 0);
  REQUIRE(rs.ingress.anyPort[0].size() == 1);
  CHECK(rs.ingress.anyPort[0][0].address.str() == "10.1.0.1");
  CHECK(rs.ingress.anyPort[0][0].origins == std::vector<std::string>{"x/p ingress[0]"});
}

TEST_CASE("ruleset size grows with distinct peers, not with rules x peers") {
  std::string yaml = ns("x");
  for (int i = 0; i < 20; ++i)
    yaml += pod("x", "c" + std::to_string(i), "{role: client}", "10.1.0." + std::to_string(10 + 2 * i));
  yaml += pod("x", "server", "{role: server}", "10.1.1.1");
  auto one = cluster(yaml + policy("x", "p0", "  podSelector: {matchLabels: {role: server}}\n  ingress: [{from: [{podSelector: {matchLabels: {role: client}}}], ports: [{port: 80}]}]"));
  std::string many = yaml;
  for (int i = 0; i < 30; ++i)
    many += policy("x", "p" + std::to_string(i), "  podSelector: {matchLabels: {role: server}}\n  ingress: [{from: [{podSelector: {matchLabels: {role: client}}}], ports: [{port: 80}]}]");
  auto thirty = cluster(many);
  auto a = compileRuleset(one, podOf(one, "x/server"));
  auto b = compileRuleset(thirty, podOf(thirty, "x/server"));
  CHECK(a.ingress.elementCount() == 20);  // one per client address (not adjacent)
  CHECK(b.ingress.elementCount() == a.ingress.elementCount());
  CHECK(b.ingress.ports[0][0].origins.size() == 30);
}

TEST_CASE("egress named ports become per-destination elements") {
  auto c = cluster(ns("x") + pod("x", "client", "{role: client}", "10.1.0.9") +
                   pod("x", "s1", "{role: server}", "10.1.0.1", "[{name: web, containerPort: 8080}]") +
                   pod("x", "s2", "{role: server}", "10.1.0.2", "[{name: web, containerPort: 9090}]") +
                   policy("x", "p", "  podSelector: {matchLabels: {role: client}}\n  egress: [{to: [{podSelector: {matchLabels: {role: server}}}], ports: [{port: web}]}]"));
  auto rs = compileRuleset(c, podOf(c, "x/client"));
  REQUIRE(rs.egress.ports[0].size() == 2);
  CHECK(rs.egress.ports[0][0].address.str() == "10.1.0.1");
  CHECK(rs.egress.ports[0][0].firstPort == 8080);
  CHECK(rs.egress.ports[0][1].address.str() == "10.1.0.2");
  CHECK(rs.egress.ports[0][1].firstPort == 9090);
  CHECK(rs.admitsEgress(*parseIp("10.1.0.1"), Protocol::TCP, 8080));
  CHECK_FALSE(rs.admitsEgress(*parseIp("10.1.0.1"), Protocol::TCP, 9090));
}

TEST_CASE("ipBlock except and dual-stack appear in the per-family sets") {
  auto c = cluster(ns("x") + pod("x", "a", "{}", "10.1.0.1,fd00::1") +
                   policy("x", "p", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}, "
                                    "{ipBlock: {cidr: \"fd00::/64\"}}], ports: [{port: 443}]}]"));
  auto rs = compileRuleset(c, podOf(c, "x/a"));
  REQUIRE(rs.ingress.ports[0].size() == 2);
  CHECK(rs.ingress.ports[0][0].address.str() == "10.0.0.0/16");
  CHECK(rs.ingress.ports[0][1].address.str() == "10.2.0.0-10.255.255.255");
  REQUIRE(rs.ingress.ports[1].size() == 1);
  CHECK(rs.ingress.ports[1][0].address.str() == "fd00::/64");
  CHECK_FALSE(rs.admitsIngress(*parseIp("10.1.2.3"), Protocol::TCP, 443));
  CHECK(rs.admitsIngress(*parseIp("fd00::77"), Protocol::TCP, 443));
}

TEST_CASE("node addresses are admitted into an isolated pod") {
  auto c = cluster(ns("x") + pod("x", "a", "{}", "10.1.0.1", "[]", "  nodeName: n1\n") +
                   pod("kube-system", "proxy", "{}", "192.168.1.1", "[]", "  nodeName: n1\n  hostNetwork: true\n") +
                   policy("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress]"));
  auto rs = compileRuleset(c, podOf(c, "x/a"));
  CHECK(rs.admitsIngress(*parseIp("192.168.1.1"), Protocol::TCP, 10250));
  CHECK_FALSE(rs.admitsIngress(*parseIp("192.168.1.2"), Protocol::TCP, 10250));
}

namespace {

// The probe from `from` to `to` through the tables both ends would install: a host-network end has no
// table of kguard's (its netns is the node's), so only the other end filters.
bool tablesAllow(const Cluster& c, const Pod& from, const Pod& to, Protocol protocol, int port) {
  auto dst = *to.firstIp(Family::V4);
  auto src = *from.firstIp(Family::V4);
  bool egress = from.hostNetwork || compileRuleset(c, from).admitsEgress(dst, protocol, port);
  bool ingress = to.hostNetwork || compileRuleset(c, to).admitsIngress(src, protocol, port);
  return egress && ingress;
}

}  // namespace

TEST_CASE("compiled tiers agree with the evaluator on every ClusterNetworkPolicy conformance pair and probe", "[cnp]") {
  size_t checked = 0, asserted = 0, deniedByTable = 0;
  for (const auto& step : conformanceSteps(KGUARD_CNP_CONFORMANCE_DIR)) {
    auto c = decodeCluster(kube::loadManifests(step.files));
    std::set<std::pair<std::string, int>> probes;
    for (const auto& e : step.connections) probes.insert({e.protocol, e.port});
    for (const auto& [protocolName, port] : probes) {
      auto protocol = *parseProtocol(protocolName);
      for (const auto& from : c.pods)
        for (const auto& to : c.pods) {
          if (from.id() == to.id()) continue;
          INFO(step.name << " " << from.id() << " -> " << to.id() << " " << protocolName << " " << port);
          bool expected = evaluateConnection(c, {&from, *from.firstIp(Family::V4)}, {&to, *to.firstIp(Family::V4)},
                                             protocol, port).allowed();
          bool actual = tablesAllow(c, from, to, protocol, port);
          CHECK(actual == expected);
          ++checked;
          deniedByTable += !actual;
        }
    }
    // And the upstream verdicts themselves, not only agreement with the evaluator.
    for (const auto& e : step.connections) {
      INFO(step.name << " asserted " << e.from << " -> " << e.to << " " << e.protocol << " " << e.port);
      auto slash = [](const std::string& id) { return id.find('/'); };
      const Pod* from = c.findPod(e.from.substr(0, slash(e.from)), e.from.substr(slash(e.from) + 1));
      const Pod* to = c.findPod(e.to.substr(0, slash(e.to)), e.to.substr(slash(e.to) + 1));
      REQUIRE(from);
      REQUIRE(to);
      CHECK(tablesAllow(c, *from, *to, *parseProtocol(e.protocol), e.port) == e.allowed);
      ++asserted;
    }
  }
  CHECK(asserted >= 305);
  CHECK(checked > 5000);
  CHECK(deniedByTable > 500);
  WARN("compiled tables: " << checked << " pod pairs x probes agree with the evaluator (" << deniedByTable
                           << " denied), " << asserted << " upstream assertions hold");
}

// The agent compiles all pods of a sync with one RulesetCompiler, which reuses a tier's rules for pods
// the same policies select (and peers resolved per rule): each pod must get what compiling it alone gives.
TEST_CASE("one compiler for every pod gives each pod the ruleset it gets alone", "[cnp]") {
  size_t pods = 0, tierPods = 0;
  for (const auto& step : conformanceSteps(KGUARD_CNP_CONFORMANCE_DIR)) {
    auto c = decodeCluster(kube::loadManifests(step.files));
    RulesetCompiler shared(c);
    for (const auto& pod : c.pods) {
      INFO(step.name << " " << pod.id());
      auto alone = nft::buildTable(compileRuleset(c, pod));
      CHECK(nft::buildTable(shared.compile(pod)) == alone);
      ++pods;
      tierPods += !alone.sets.empty();
    }
  }
  CHECK(pods > 100);
  CHECK(tierPods > 50);
}

namespace {

bool setHolds(const nft::Set& set, const IpAddress& ip, int port) {
  for (const auto& e : set.elements)
    if (e.address.contains(ip) && e.protocol == Protocol::TCP && e.firstPort <= port && port <= e.lastPort) return true;
  return false;
}

}  // namespace

// A TCP connection opened before the pod's table existed is picked up mid-stream: a chain passes the
// peer's segment when the other chain admits the connection in the reverse orientation. With tiers on
// the other side that is one set per family, `<other>_v4_tcp_admitted`, which must hold exactly what the
// other chain admits (Admin Accept, not Admin Deny, NetworkPolicy or Baseline), and be looked up before
// every drop of this chain: inline before a NetworkPolicy-only chain's drop, or in the exempt chain that
// every drop site of a tier chain (deny chains, the NetworkPolicy drop) jumps to first.
TEST_CASE("a tier pod's mid-stream sets hold exactly the TCP connections its other chain admits", "[cnp]") {
  size_t lookups = 0, points = 0, admittedPoints = 0, exemptChains = 0;
  for (const auto& step : conformanceSteps(KGUARD_CNP_CONFORMANCE_DIR)) {
    auto c = decodeCluster(kube::loadManifests(step.files));
    std::set<int> ports{1, 53, 80, 8080, 9003, 34345, 34346, 65535};
    for (const auto& e : step.connections) ports.insert(e.port);
    for (const auto& p : c.pods) {
      if (p.hostNetwork) continue;
      auto table = nft::buildTable(compileRuleset(c, p));
      for (const auto& chain : table.chains) {
        const bool input = chain.hook == nft::Hook::Input;
        const nft::Chain* other = table.findChain(input ? nft::Hook::Output : nft::Hook::Input);
        const std::string exemptName = input ? "ingress_exempt" : "egress_exempt";
        const nft::Chain* exempt = table.findExemptChain(exemptName);
        INFO(step.name << " " << p.id() << " " << chain.name);
        // Every drop of a chain with an exempt chain jumps there first; the deny chains its rules go to, too.
        std::vector<const nft::Rule*> midStream;
        bool dropSeen = false;
        for (size_t i = 0; i < chain.rules.size(); ++i) {
          const auto& r = chain.rules[i];
          if (exempt && r.verdict == nft::Verdict::Drop) {
            REQUIRE(i > 0);
            CHECK(chain.rules[i - 1].verdict == nft::Verdict::Jump);
            CHECK(chain.rules[i - 1].chain == exemptName);
          }
          if (r.midStreamTcp) {
            CHECK_FALSE(exempt);  // one home: inline or in the exempt chain
            CHECK_FALSE(dropSeen);
            midStream.push_back(&r);
          }
          if (nft::mayDrop(table, r)) dropSeen = true;
        }
        if (exempt) {
          ++exemptChains;
          for (const auto& deny : table.denyChains)
            if (deny.hook == chain.hook) {
              REQUIRE_FALSE(deny.rules.empty());
              CHECK(deny.rules[0].verdict == nft::Verdict::Jump);
              CHECK(deny.rules[0].chain == exemptName);
            }
          for (const auto& r : exempt->rules) {
            CHECK(r.verdict == nft::Verdict::Accept);
            if (r.midStreamTcp) midStream.push_back(&r);
          }
        }
        for (const nft::Rule* r : midStream) {
          if (r->set.find("_tcp_admitted") == std::string::npos) continue;
          INFO(nft::ruleText(*r));
          CHECK(r->portIsSource);
          REQUIRE(other);
          const nft::Set* set = table.findSet(r->set);
          REQUIRE(set);
          ++lookups;
          for (const auto& peer : c.pods)
            for (const auto& ip : peer.ips) {
              if (static_cast<int>(ip.family) != r->family) continue;
              for (int port : ports) {
                bool admitted = nft::admits(table, other->hook, ip, Protocol::TCP, port);
                CHECK(setHolds(*set, ip, port) == admitted);
                ++points;
                admittedPoints += admitted;
              }
            }
        }
      }
    }
  }
  CHECK(lookups > 20);
  CHECK(exemptChains > 20);
  CHECK(admittedPoints > 0);
  CHECK(admittedPoints < points);
  WARN("mid-stream sets: " << lookups << " lookups, " << points << " peer x port points (" << admittedPoints
                           << " admitted); " << exemptChains << " exempt chains");
}

TEST_CASE("first match across priorities: a Pass or Accept of a lower priority number wins over a later Deny", "[cnp]") {
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1") + pod("x", "b", "{pod: b}", "10.1.0.2") +
                   "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: first}\n"
                   "spec:\n  tier: Admin\n  priority: 1\n  subject: {pods: {podSelector: {matchLabels: {pod: a}}}}\n"
                   "  ingress:\n  - {action: Pass, from: [{pods: {podSelector: {}}}], protocols: [{tcp: {destinationPort: {number: 80}}}]}\n"
                   "  - {action: Accept, from: [{pods: {podSelector: {matchLabels: {pod: b}}}}], protocols: [{udp: {destinationPort: {range: {start: 50, end: 60}}}}]}\n"
                   "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: second}\n"
                   "spec:\n  tier: Admin\n  priority: 2\n  subject: {namespaces: {}}\n"
                   "  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n");
  auto rs = compileRuleset(c, podOf(c, "x/a"));
  auto b = *parseIp("10.1.0.2");
  CHECK_FALSE(rs.ingress.isolated());
  CHECK(rs.egress.admin.empty());
  CHECK(rs.admitsIngress(b, Protocol::TCP, 80));        // Pass: no NetworkPolicy, no Baseline -> allowed
  CHECK_FALSE(rs.admitsIngress(b, Protocol::TCP, 81));  // the later Deny
  CHECK(rs.admitsIngress(b, Protocol::UDP, 55));        // priority 1's Accept before priority 2's Deny
  CHECK_FALSE(rs.admitsIngress(b, Protocol::UDP, 61));
  CHECK(rs.admitsIngress(*parseIp("192.168.0.1"), Protocol::TCP, 81));  // outside every rule
  // Protocols without ports (ICMP): only rules without `protocols` speak of them.
  auto table = nft::buildTable(rs);
  const auto* other = table.findSet("admin_ingress_v4_other_drop");
  REQUIRE(other);
  REQUIRE(other->elements.size() == 1);
  CHECK(other->elements[0].address.str() == "10.1.0.1-10.1.0.2");
  CHECK(other->elements[0].comment == "Admin second ingress[0]");
  // A tier set nothing falls into is neither declared nor looked up: its lookup would cost every new
  // connection that reaches it and decide nothing.
  CHECK(table.findSet("admin_ingress_v4_other_accept") == nullptr);
  CHECK(table.findSet("admin_ingress_v6") == nullptr);
  for (const auto& chain : table.chains)
    for (const auto& r : chain.rules) {
      INFO(nft::ruleText(r));
      if (r.match == nft::Rule::Match::PeerInSet) CHECK_FALSE(table.findSet(r.set)->elements.empty());
    }
  CHECK(table.findChain(nft::Hook::Output) == nullptr);  // no egress rules: still no output chain
}

TEST_CASE("Baseline boxes only where no NetworkPolicy isolates; a pod no tier filters gets no chain", "[cnp]") {
  std::string base = ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1") + pod("x", "b", "{pod: b}", "10.1.0.2") +
                     "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: iso}\n"
                     "spec:\n  tier: Baseline\n  priority: 1\n  subject: {pods: {podSelector: {matchLabels: {pod: a}}}}\n"
                     "  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n";
  auto c = cluster(base);
  auto a = compileRuleset(c, podOf(c, "x/a"));
  CHECK_FALSE(a.admitsIngress(*parseIp("10.1.0.2"), Protocol::TCP, 80));
  const auto aTable = nft::buildTable(a);
  const auto* baselineMap = aTable.findSet("baseline_ingress_v4");
  REQUIRE(baselineMap);
  CHECK(baselineMap->verdictMap);
  CHECK(baselineMap->elements.front().gotoChain == "baseline_ingress_deny");
  auto b = compileRuleset(c, podOf(c, "x/b"));
  CHECK(nft::buildTable(b).chains.empty());
  // A NetworkPolicy isolating x/a decides instead: Baseline is not compiled.
  auto isolated = cluster(base + policy("x", "allow-b", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]"));
  auto ai = compileRuleset(isolated, podOf(isolated, "x/a"));
  CHECK(ai.ingress.baseline.empty());
  CHECK(ai.admitsIngress(*parseIp("10.1.0.2"), Protocol::TCP, 80));
}

// destinationNamedPort when two containers of the destination declare the same name with different numbers.
// Upstream (network-policy-api v1alpha2) defines it only as "a destination port on a pod based on the
// ContainerPort name", with no protocol, so FindPort's first (name, protocol) match cannot apply: every
// container port of that name matches (as Antrea resolves it). A NetworkPolicy `port: web` keeps FindPort's
// first match. Evaluator and compiled tables must agree, for ingress (subject) and egress (peer).
TEST_CASE("destinationNamedPort with a name two containers declare: every such port, evaluator = tables", "[cnp]") {
  const std::string sidecar = "  initContainers: [{name: s, image: i, restartPolicy: Always, ports: [{name: web, containerPort: 9090}]}]\n";
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1", "[{name: web, containerPort: 8080}]", sidecar) +
                   pod("x", "b", "{pod: b}", "10.1.0.2") +
                   "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: web-in}\n"
                   "spec:\n  tier: Admin\n  priority: 1\n  subject: {pods: {podSelector: {matchLabels: {pod: a}}}}\n"
                   "  ingress:\n  - {action: Accept, from: [{pods: {podSelector: {}}}], protocols: [{destinationNamedPort: web}]}\n"
                   "  - {action: Deny, from: [{pods: {podSelector: {}}}]}\n"
                   "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: web-out}\n"
                   "spec:\n  tier: Admin\n  priority: 2\n  subject: {pods: {podSelector: {matchLabels: {pod: b}}}}\n"
                   "  egress:\n  - {action: Accept, to: [{pods: {podSelector: {}}}], protocols: [{destinationNamedPort: web}]}\n"
                   "  - {action: Deny, to: [{pods: {podSelector: {}}}]}\n");
  const Pod& a = podOf(c, "x/a");
  const Pod& b = podOf(c, "x/b");
  for (auto [port, allowed] : {std::pair{8080, true}, {9090, true}, {80, false}}) {
    INFO("x/b -> x/a tcp " << port);
    CHECK(evaluateConnection(c, {&b, *b.firstIp(Family::V4)}, {&a, *a.firstIp(Family::V4)}, Protocol::TCP, port)
              .allowed() == allowed);
    CHECK(compileRuleset(c, a).admitsIngress(*b.firstIp(Family::V4), Protocol::TCP, port) == allowed);
    CHECK(compileRuleset(c, b).admitsEgress(*a.firstIp(Family::V4), Protocol::TCP, port) == allowed);
  }
  // The same name in a NetworkPolicy resolves as FindPort does: the container's 8080 only.
  auto np = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1", "[{name: web, containerPort: 8080}]", sidecar) +
                    pod("x", "b", "{pod: b}", "10.1.0.2") +
                    policy("x", "web", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{ports: [{port: web}]}]"));
  const Pod& npA = podOf(np, "x/a");
  const Pod& npB = podOf(np, "x/b");
  CHECK(tablesAllow(np, npB, npA, Protocol::TCP, 8080));
  CHECK_FALSE(tablesAllow(np, npB, npA, Protocol::TCP, 9090));
}
