#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
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
  CHECK(ruleCount(compileRuleset(none, podOf(none, "x/a"))) == 0);
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

TEST_CASE("denied packets can be logged to NFLOG, rate-limited, with a kg:<n> prefix naming the isolating policies") {
  auto c = cluster(clusterYaml(1, 1));
  RenderOptions options;
  options.nflogGroup = 7;
  auto table = nft::buildTable(compileRuleset(c, podOf(c, "x/server")), options);
  auto text = renderNft(table);
  CHECK(text.find("counter name \"ingress_denied\" limit rate 10/second burst 20 packets log prefix \"kg:1\" group 7 drop\n\t\tdrop\n") !=
        std::string::npos);
  REQUIRE(table.denyLogIds.size() >= 1);
  CHECK(table.denyLogIds[0].second.tier == "NetworkPolicy");
  CHECK(table.denyLogIds[0].second.rule == "ingress");
  CHECK(text.find("# deny log prefix kg:1 = NetworkPolicy ") != std::string::npos);
  // The agent's id table: the same rule keeps its id across tables, and the reader finds it.
  DenyRuleIds ids;
  options.denyRuleIds = &ids;
  auto first = nft::buildTable(compileRuleset(c, podOf(c, "x/server")), options);
  CHECK(nft::buildTable(compileRuleset(c, podOf(c, "x/server")), options) == first);
  REQUIRE(ids.find(1));
  CHECK(*ids.find(1) == table.denyLogIds[0].second);
}

TEST_CASE("with deny logs every Deny rule of a tier gets its own deny chain and prefix", "[cnp]") {
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.1.0.1") + pod("x", "b", "{pod: b}", "10.1.0.2") +
                   "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: guard}\n"
                   "spec:\n  tier: Admin\n  priority: 3\n  subject: {namespaces: {}}\n  egress:\n"
                   "  - {name: no-dns, action: Deny, to: [{networks: [10.0.0.0/8]}], protocols: [{udp: {destinationPort: {number: 53}}}]}\n"
                   "  - {action: Deny, to: [{networks: [192.168.0.0/16]}]}\n");
  DenyRuleIds ids;
  RenderOptions options;
  options.nflogGroup = 9;
  options.denyRuleIds = &ids;
  auto table = nft::buildTable(compileRuleset(c, podOf(c, "x/a")), options);
  // One verdict map per family; its Deny elements go to the chain of the rule that decided them.
  const nft::Set* map = table.findSet("admin_egress_v4");
  REQUIRE(map);
  CHECK(map->verdictMap);
  CHECK(table.findSet("admin_egress_v4_drop_0") == nullptr);
  REQUIRE(table.findDenyChain("admin_egress_deny_0"));
  REQUIRE(table.findDenyChain("admin_egress_deny_1"));
  CHECK(table.findDenyChain("admin_egress_deny") == nullptr);
  REQUIRE(table.findSet("admin_egress_v4_other_drop_1"));  // ICMP... to 192.168/16: rule 1 has no `protocols`
  auto text = renderNft(table);
  INFO(text);
  CHECK(text.find("10.0.0.0/8 . udp . 53 comment \"Admin guard egress[0] (no-dns)\" : goto admin_egress_deny_0") != std::string::npos);
  CHECK(text.find("192.168.0.0/16 . tcp . 0-65535 comment \"Admin guard egress[1]\" : goto admin_egress_deny_1") != std::string::npos);
  // A deny chain: the exempt rules first (loopback, neighbour discovery, mid-stream), then the logged drop.
  CHECK(text.find("\tchain admin_egress_deny_0 {\n\t\t# Admin guard egress[0] (no-dns): count, log, drop\n"
                  "\t\tjump egress_exempt\n"
                  "\t\tcounter name \"egress_denied\" limit rate 10/second burst 20 packets log prefix \"kg:1\" group 9 drop\n"
                  "\t\tdrop\n\t}\n") != std::string::npos);
  // The protocols without ports go to the same rule's deny chain: counted and logged there, once.
  CHECK(text.find("@admin_egress_v4_other_drop_1 goto admin_egress_deny_1\n") != std::string::npos);
  CHECK(text.find("\tchain egress_exempt {\n") != std::string::npos);
  CHECK(text.find("ip daddr . meta l4proto . th dport vmap @admin_egress_v4\n") != std::string::npos);
  CHECK(*ids.find(1) == DenyRule{"Admin", "guard", "egress[0] (no-dns)"});
  CHECK(*ids.find(2) == DenyRule{"Admin", "guard", "egress[1]"});
  // Without logs: one deny chain for the tier's direction, the same verdicts.
  auto plain = nft::buildTable(compileRuleset(c, podOf(c, "x/a")));
  REQUIRE(plain.denyChains.size() == 1);
  CHECK(plain.denyChains[0].name == "admin_egress_deny");
  CHECK(plain.findSet("admin_egress_v4_other_drop"));
  for (auto* t : {&table, &plain}) {
    CHECK_FALSE(nft::admits(*t, nft::Hook::Output, *parseIp("10.9.9.9"), Protocol::UDP, 53));
    CHECK(nft::admits(*t, nft::Hook::Output, *parseIp("10.9.9.9"), Protocol::UDP, 54));
    CHECK_FALSE(nft::admits(*t, nft::Hook::Output, *parseIp("192.168.1.1"), Protocol::TCP, 1));
  }
}

namespace {

// What the first packet of a new TCP connection (a SYN from `peer` to our `port`) costs in the input chain
// until a rule decides: the rules it meets and the set lookups it makes. A rule's leading compares stop it
// before its lookup when they fail: another family, `meta l4proto != tcp...` (protocols without ports),
// the mid-stream rules' `tcp flags & (syn | ack) == ack` (a SYN has no ACK).
struct SynCost {
  size_t rules = 0, lookups = 0;
};

SynCost synCost(const nft::Table& t, const IpAddress& peer, int32_t port) {
  SynCost cost;
  const nft::Chain* chain = t.findChain(nft::Hook::Input);
  REQUIRE(chain);
  for (const auto& r : chain->rules) {
    ++cost.rules;
    if (r.match != nft::Rule::Match::PeerInSet || r.midStreamTcp || r.portlessProtocols ||
        r.family != familyIndex(peer.family))
      continue;
    ++cost.lookups;
    const nft::Set* set = t.findSet(r.set);
    REQUIRE(set);
    for (const auto& e : set->elements)
      if (e.address.contains(peer) && (!set->withPorts || (e.protocol == Protocol::TCP && e.firstPort <= port && port <= e.lastPort)))
        return cost;  // accepted, dropped or gone to a deny chain: decided
  }
  return cost;
}

}  // namespace

// Issue 17's bench case (h): a server isolated by NetworkPolicies and selected by Admin ClusterNetworkPolicies
// that Accept and Deny other peers and ports (and Baseline ones, which an isolated direction never meets).
// The NetworkPolicies' ports set is looked up first, without the boxes an Admin Deny decides, so the SYN of
// a connection the NetworkPolicies allow costs exactly what it costs without the tiers; a tier's Accept
// and Deny boxes share one verdict map, so any other connection makes one lookup more, whatever the tier
// decides.
TEST_CASE("a tier costs a NetworkPolicy's connection nothing, any other one lookup", "[cnp]") {
  std::string yaml = clusterYaml(3, 2) + ns("other", "{team: t2}") + pod("other", "o", "{app: o}", "10.2.0.1") +
                     ns("dev", "{env: dev}") + pod("dev", "d", "{app: d}", "10.7.0.9");
  for (int k = 0; k < 6; ++k) {
    std::string tier = k % 2 ? "Baseline" : "Admin";
    yaml += "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c" + std::to_string(k) +
            "}\nspec:\n  tier: " + tier + "\n  priority: " + std::to_string(k) + "\n  subject: {pods: {podSelector: {matchLabels: {role: server}}}}\n"
            "  ingress:\n  - {action: " + (k % 3 ? "Accept" : "Deny") + ", from: [{namespaces: {matchLabels: {team: t2}}}]}\n"
            "  - {action: Deny, from: [{namespaces: {matchLabels: {env: dev}}}], protocols: [{tcp: {destinationPort: {number: " +
            std::to_string(22 + k) + "}}}]}\n";
  }
  auto c = cluster(yaml);
  auto tiers = nft::buildTable(compileRuleset(c, podOf(c, "x/server")));
  auto v1 = cluster(clusterYaml(3, 2));
  auto plain = nft::buildTable(compileRuleset(v1, podOf(v1, "x/server")));
  REQUIRE(tiers.findSet("admin_ingress_v4"));
  REQUIRE(tiers.findDenyChain("admin_ingress_deny"));
  const auto client = *parseIp("10.1.0.1");
  REQUIRE(nft::admits(tiers, nft::Hook::Input, client, Protocol::TCP, 1000));
  CHECK(synCost(plain, client, 1000).lookups == 1);
  CHECK(synCost(tiers, client, 1000).lookups == 1);  // the NetworkPolicies' set, ahead of the Admin map
  // Loopback, neighbour discovery and the mid-stream rules run before drops (the exempt chain), not
  // before the accepts (8 rules and 2 lookups before 2026-12-06).
  CHECK(synCost(plain, client, 1000).rules == 2);
  CHECK(synCost(tiers, client, 1000).rules == 2);
  // An Admin Deny (to a deny chain) and an Admin Accept are decided by the same one lookup after it.
  CHECK_FALSE(nft::admits(tiers, nft::Hook::Input, *parseIp("10.7.0.9"), Protocol::TCP, 22));
  CHECK(synCost(tiers, *parseIp("10.7.0.9"), 22).lookups == 2);
  WARN("SYN allowed by a NetworkPolicy: " << synCost(plain, client, 1000).rules << " rules without tiers, "
                                          << synCost(tiers, client, 1000).rules << " with the Admin tier");
}

TEST_CASE("comments and prefixes are made safe and short") {
  CHECK(nftQuotable("a\"b\\c\nd", 128) == "a_b_c_d");
  auto longText = nftQuotable(std::string(300, 'x'), 128);
  CHECK(longText.size() == 127);
  CHECK(longText.substr(124) == "...");
}

namespace {

std::string readGolden(const std::string& name) {
  std::ifstream in(std::string(KGUARD_NETPOL_GOLDEN_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

// The files were printed by kguard before the layout became one nft::Table value: the text must not
// change by a byte (the .nflog.nft files since deny logs use kg:<n> prefixes) (dual-stack sets, ipBlock excepts, port ranges, named ports, SCTP, node sets, no
// chain for a direction no policy isolates, NFLOG or not).
TEST_CASE("the rendered text is byte-identical to the golden files") {
  auto c = cluster(readGolden("rulesets.yaml"));
  for (const char* id : {"x/a", "x/b", "y/c"}) {
    std::string base = id;
    base[1] = '-';
    INFO(id);
    CHECK(renderNft(compileRuleset(c, podOf(c, id))) == readGolden(base + ".nft"));
    RenderOptions nflog;
    nflog.nflogGroup = 5;
    CHECK(renderNft(compileRuleset(c, podOf(c, id)), nflog) == readGolden(base + ".nflog.nft"));
  }
}

TEST_CASE("the table is a value: equal rulesets give equal tables, any change in what is installed differs") {
  auto c = cluster(readGolden("rulesets.yaml"));
  auto rs = compileRuleset(c, podOf(c, "x/a"));
  auto table = nft::buildTable(rs);
  CHECK(table == nft::buildTable(compileRuleset(c, podOf(c, "x/a"))));
  // input 10 (2 node lookups) + 4 mid-stream (egress sets), output 9 (MLD report) + 6 (ingress and node sets)
  CHECK(nft::ruleCount(table) == 29);
  CHECK(ruleCount(rs) == 29);
  REQUIRE(table.chains.size() == 2);
  CHECK(table.chains[0].rules.size() + table.chains[1].rules.size() == 29);

  RenderOptions nflog;
  nflog.nflogGroup = 5;
  CHECK(nft::buildTable(rs, nflog) != table);  // the drop rules log
  auto moved = rs;
  moved.ingress.ports[0].back().lastPort = 91;
  CHECK(nft::buildTable(moved) != table);  // one element's port range
  auto renamed = rs;
  renamed.pod = "x/other";
  CHECK(nft::buildTable(renamed) != table);  // the header names the pod
  // No policy selects y/c: no chain at all.
  auto none = nft::buildTable(compileRuleset(c, podOf(c, "y/c")));
  CHECK(none.chains.empty());
  CHECK(nft::ruleCount(none) == 0);
}

TEST_CASE("admits() evaluates the table's chains: set lookups, the node, the final drop") {
  auto c = cluster(readGolden("rulesets.yaml"));
  auto table = nft::buildTable(compileRuleset(c, podOf(c, "x/a")));
  using nft::Hook;
  // ingress[0]: pods of x and 192.168.0.0/16 except 192.168.1.0/24 on 80-90/tcp, http (8080), dns (53/udp)
  CHECK(nft::admits(table, Hook::Input, *parseIp("10.0.0.2"), Protocol::TCP, 85));
  CHECK(nft::admits(table, Hook::Input, *parseIp("10.0.0.2"), Protocol::TCP, 8080));
  CHECK_FALSE(nft::admits(table, Hook::Input, *parseIp("10.0.0.2"), Protocol::TCP, 91));
  CHECK_FALSE(nft::admits(table, Hook::Input, *parseIp("10.0.0.2"), Protocol::UDP, 85));
  CHECK(nft::admits(table, Hook::Input, *parseIp("10.0.0.2"), Protocol::UDP, 53));
  CHECK_FALSE(nft::admits(table, Hook::Input, *parseIp("192.168.1.7"), Protocol::TCP, 80));
  CHECK(nft::admits(table, Hook::Input, *parseIp("192.168.200.7"), Protocol::TCP, 80));
  CHECK(nft::admits(table, Hook::Input, *parseIp("fd00::2"), Protocol::TCP, 8080));
  // ingress[1]: any port from namespace y; the node on any port, both families
  CHECK(nft::admits(table, Hook::Input, *parseIp("10.0.1.3"), Protocol::UDP, 9999));
  CHECK(nft::admits(table, Hook::Input, *parseIp("192.168.50.1"), Protocol::TCP, 10250));
  CHECK(nft::admits(table, Hook::Input, *parseIp("fd00:50::1"), Protocol::TCP, 10250));
  CHECK_FALSE(nft::admits(table, Hook::Input, *parseIp("fd00:50::2"), Protocol::TCP, 10250));
  // egress[0]: everywhere but 10/8 on 443/tcp and 5000-5100/sctp; egress[1]: pod b on any port
  CHECK(nft::admits(table, Hook::Output, *parseIp("8.8.8.8"), Protocol::TCP, 443));
  CHECK_FALSE(nft::admits(table, Hook::Output, *parseIp("10.9.9.9"), Protocol::TCP, 443));
  CHECK(nft::admits(table, Hook::Output, *parseIp("2001:db8::5"), Protocol::SCTP, 5050));
  CHECK_FALSE(nft::admits(table, Hook::Output, *parseIp("2001:db8::5"), Protocol::TCP, 5050));
  CHECK(nft::admits(table, Hook::Output, *parseIp("10.0.0.2"), Protocol::UDP, 7));
  // The node is admitted on ingress only.
  CHECK_FALSE(nft::admits(table, Hook::Output, *parseIp("192.168.50.1"), Protocol::TCP, 10250));
  // The mid-stream rules (8.8.8.8:443 is an egress peer) never admit a new connection: it starts with a SYN.
  CHECK_FALSE(nft::admits(table, Hook::Input, *parseIp("8.8.8.8"), Protocol::TCP, 443));
  // x/b is isolated for egress only (deny all): its input hook has no chain and admits everything.
  auto egressOnly = nft::buildTable(compileRuleset(c, podOf(c, "x/b")));
  REQUIRE(egressOnly.chains.size() == 1);
  CHECK(egressOnly.chains[0].hook == Hook::Output);
  CHECK(nft::admits(egressOnly, Hook::Input, *parseIp("1.2.3.4"), Protocol::TCP, 1));
  CHECK_FALSE(nft::admits(egressOnly, Hook::Output, *parseIp("10.0.0.1"), Protocol::TCP, 80));
}

// The NetworkPolicies' ports set goes ahead of the Admin map, so the Admin Deny elements that overlap its
// boxes are looked up before it: Admin Deny wins over a NetworkPolicy's allow (tests/conformance/cnp/SPEC.md,
// evaluation order). Admin changes then leave the (large) ports set as it is.
TEST_CASE("an Admin Deny overlapping a NetworkPolicy's allow is looked up before the ports set", "[cnp]") {
  std::string yaml = clusterYaml(1, 2) +
                     "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: deny-c0}\n"
                     "spec:\n  tier: Admin\n  priority: 1\n  subject: {pods: {podSelector: {matchLabels: {role: server}}}}\n"
                     "  ingress:\n  - {action: Deny, from: [{pods: {podSelector: {matchLabels: {role: c0}}}}], "
                     "protocols: [{tcp: {destinationPort: {number: 1000}}}]}\n"
                     "  - {action: Deny, from: [{pods: {podSelector: {matchLabels: {role: c1}}}}], "
                     "protocols: [{tcp: {destinationPort: {number: 2000}}}]}\n";
  auto c = cluster(yaml);
  auto table = nft::buildTable(compileRuleset(c, podOf(c, "x/server")));
  const auto c0 = *parseIp("10.1.0.1"), c1 = *parseIp("10.1.1.1");
  CHECK_FALSE(nft::admits(table, nft::Hook::Input, c0, Protocol::TCP, 1000));  // the NetworkPolicy allows it
  CHECK(nft::admits(table, nft::Hook::Input, c1, Protocol::TCP, 1000));
  CHECK_FALSE(nft::admits(table, nft::Hook::Input, c1, Protocol::TCP, 2000));  // no NetworkPolicy allows it
  const auto* overrides = table.findSet("admin_ingress_v4_np_overrides");
  REQUIRE(overrides);
  REQUIRE(overrides->elements.size() == 1);  // c1's Deny on 2000 overlaps no NetworkPolicy box
  CHECK(overrides->elements[0].address.contains(c0));
  CHECK(synCost(table, c0, 1000).lookups == 1);  // decided by the overrides map
  CHECK(synCost(table, c1, 1000).lookups == 2);  // overrides miss, ports set accepts
  // The ports set is the NetworkPolicies' alone: Admin changes do not rewrite it.
  auto v1 = cluster(clusterYaml(1, 2));
  auto plain = nft::buildTable(compileRuleset(v1, podOf(v1, "x/server")));
  REQUIRE(plain.findSet("ingress_v4_ports"));
  CHECK(*table.findSet("ingress_v4_ports") == *plain.findSet("ingress_v4_ports"));
}
