#include <catch2/catch.hpp>

#include <sstream>

#include "netpol/render_nft.h"
#include "netpol/ruleset.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

namespace {

// The rule lines (not set elements, declarations or comments) of one chain.
std::vector<std::string> chainRules(const std::string& text, const std::string& chain) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> rules;
  bool inside = false;
  while (std::getline(in, line)) {
    auto start = line.find_first_not_of('\t');
    std::string t = start == std::string::npos ? "" : line.substr(start);
    if (t == "chain " + chain + " {") inside = true;
    else if (inside && t == "}") break;
    else if (inside && !t.empty() && t[0] != '#' && t.rfind("type filter", 0) != 0) rules.push_back(t);
  }
  return rules;
}

std::string clusterYaml(int policies, int peersPerPolicy) {
  std::string yaml = ns("x") + pod("x", "server", "{role: server}", "10.9.0.1,fd00::9:1");
  for (int i = 0; i < peersPerPolicy; ++i)
    yaml += pod("x", "c" + std::to_string(i), "{role: c" + std::to_string(i) + "}", "10.1." + std::to_string(i) + ".1");
  for (int p = 0; p < policies; ++p) {
    std::string from;
    for (int i = 0; i < peersPerPolicy; ++i) from += "{podSelector: {matchLabels: {role: c" + std::to_string(i) + "}}},";
    yaml += policy("x", "p" + std::to_string(p), "  podSelector: {matchLabels: {role: server}}\n  ingress: [{from: [" + from +
                                                     "], ports: [{port: " + std::to_string(1000 + p) + "}]}]\n  egress: [{to: [" + from + "]}]");
  }
  return yaml;
}

}  // namespace

TEST_CASE("chains are static: rule count does not grow with policies or peers") {
  auto small = cluster(clusterYaml(1, 1));
  auto big = cluster(clusterYaml(20, 15));
  auto a = renderNft(compileRuleset(small, podOf(small, "x/server")));
  auto b = renderNft(compileRuleset(big, podOf(big, "x/server")));
  CHECK(chainRules(a, "input") == chainRules(b, "input"));
  CHECK(chainRules(a, "output") == chainRules(b, "output"));
  auto input = chainRules(b, "input");
  REQUIRE(input.size() >= 3);
  // Replies first, the counted drop last.
  CHECK(input.front() == "ct state established,related accept");
  CHECK(input.back() == "counter name \"ingress_denied\" drop");
  CHECK(chainRules(b, "output").front() == "ct state established,related accept");
}

TEST_CASE("a direction no policy isolates gets no chain, so its packets meet no hook") {
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1") +
                   policy("x", "in", "  podSelector: {}\n  ingress: [{from: [{podSelector: {}}]}]"));
  auto text = renderNft(compileRuleset(c, podOf(c, "x/a")));
  CHECK(text.find("\tchain input {") != std::string::npos);
  CHECK(text.find("chain output") == std::string::npos);
  CHECK(text.find("# not isolated for egress: no NetworkPolicy selects x/a for egress, so no output chain") != std::string::npos);
  auto none = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1"));
  auto bare = renderNft(compileRuleset(none, podOf(none, "x/a")));
  CHECK(bare.find("chain ") == std::string::npos);
  CHECK(ruleCountOfRendered(bare) == 0);
}

TEST_CASE("the chain comment names at most ten isolating policies") {
  auto big = cluster(clusterYaml(12, 1));
  auto text = renderNft(compileRuleset(big, podOf(big, "x/server")));
  CHECK(text.find("# isolated for ingress by x/p0, x/p1, x/p2, x/p3, x/p4, x/p5, x/p6, x/p7, x/p8, x/p9 and 2 more\n") !=
        std::string::npos);
}

TEST_CASE("after the replies, the policies' peers are looked up first") {
  auto big = cluster(clusterYaml(3, 2));
  auto input = chainRules(renderNft(compileRuleset(big, podOf(big, "x/server"))), "input");
  REQUIRE(input.size() > 3);
  CHECK(input[1] == "ip saddr . meta l4proto . th dport @ingress_v4_ports accept");
  CHECK(input[2] == "ip saddr @ingress_v4_any accept");
}

TEST_CASE("the text replaces only kguard's table and keeps neighbour discovery open") {
  auto c = cluster(clusterYaml(1, 1));
  auto text = renderNft(compileRuleset(c, podOf(c, "x/server")));
  CHECK(text.find("table inet kguard\ndelete table inet kguard\ntable inet kguard {\n") != std::string::npos);
  auto input = chainRules(text, "input");
  bool nd = false;
  for (const auto& r : input) nd = nd || r == "meta nfproto ipv6 icmpv6 type 133-137 accept";
  CHECK(nd);
  CHECK(text.find("type ipv4_addr . inet_proto . inet_service") != std::string::npos);
  CHECK(text.find("type ipv6_addr . inet_proto . inet_service") != std::string::npos);
}

TEST_CASE("set elements carry comments naming the policy rules") {
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1") + pod("x", "b", "{pod: b}", "10.1.0.2") +
                   policy("x", "web", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: b}}}]\n    ports: [{port: 80, endPort: 90}]\n  - from: [{ipBlock: {cidr: 192.168.0.0/16}}]"));
  auto text = renderNft(compileRuleset(c, podOf(c, "x/a")));
  CHECK(text.find("10.1.0.2 . tcp . 80-90 comment \"x/web ingress[0]\"") != std::string::npos);
  CHECK(text.find("192.168.0.0/16 comment \"x/web ingress[1]\"") != std::string::npos);
  CHECK(text.find("# isolated for ingress by x/web") != std::string::npos);
  CHECK(text.find("# not isolated for egress") != std::string::npos);
}

TEST_CASE("denied packets can be logged to NFLOG with a prefix naming the pod") {
  auto c = cluster(clusterYaml(1, 1));
  RenderOptions options;
  options.nflogGroup = 7;
  auto text = renderNft(compileRuleset(c, podOf(c, "x/server")), options);
  CHECK(text.find("counter name \"ingress_denied\" log prefix \"kguard x/server ingress denied: \" group 7 drop") != std::string::npos);
  CHECK(text.find("counter name \"egress_denied\" log prefix \"kguard x/server egress denied: \" group 7 drop") != std::string::npos);
}

TEST_CASE("comments and prefixes are made safe and short") {
  CHECK(nftQuotable("a\"b\\c\nd", 128) == "a_b_c_d");
  auto longText = nftQuotable(std::string(300, 'x'), 128);
  CHECK(longText.size() == 127);
  CHECK(longText.substr(124) == "...");
}
