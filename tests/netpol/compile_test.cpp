#include <catch2/catch.hpp>

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
