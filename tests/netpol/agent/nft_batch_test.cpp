// The netlink batch as a value: which objects, in which order, with which sequence numbers.
#include <catch2/catch.hpp>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "netpol/agent/nft_batch.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol::agent;
using namespace netpol_test;

namespace {

// The sequence numbers of the messages in the batch bytes, begin/end markers included.
std::vector<uint32_t> sequenceNumbers(const NftBatch& b) {
  std::vector<uint32_t> out;
  size_t offset = 0;
  while (offset + sizeof(nlmsghdr) <= b.bytes.size()) {
    auto* nlh = reinterpret_cast<const nlmsghdr*>(b.bytes.data() + offset);
    if (nlh->nlmsg_len < sizeof(nlmsghdr)) break;
    out.push_back(nlh->nlmsg_seq);
    offset += NLMSG_ALIGN(nlh->nlmsg_len);
  }
  return out;
}

Ruleset isolated() {
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1") + pod("x", "b", "{pod: b}", "10.0.0.2") +
                   policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}], ports: [{port: 80}]}]"));
  return compileRuleset(c, podOf(c, "x/a"));
}

}  // namespace

TEST_CASE("the batch replaces the table: add, delete, add, then the objects") {
  auto b = buildReplaceBatch(isolated(), {}, 100);
  REQUIRE(b.objects.size() > 10);
  CHECK(b.objects[0] == "add table inet kguard");
  CHECK(b.objects[1] == "delete table inet kguard");
  CHECK(b.objects[2] == "add table inet kguard");
  CHECK(b.objects[3] == "counter ingress_denied");
  CHECK(std::find(b.objects.begin(), b.objects.end(), "set ingress_v4_ports") != b.objects.end());
  CHECK(std::find(b.objects.begin(), b.objects.end(), "elements 0..0 of set ingress_v4_ports") != b.objects.end());
  CHECK(std::find(b.objects.begin(), b.objects.end(), "chain input") != b.objects.end());
  CHECK(std::find(b.objects.begin(), b.objects.end(),
                  "rule #10 of chain input (ct state new tcp flags & (syn | ack) == ack accept)") != b.objects.end());
  CHECK(b.objects.back() == "rule #11 of chain input (counter name \"ingress_denied\" drop)");
  // Egress is not isolated: no output chain, so outgoing packets meet no hook of ours.
  CHECK(std::find(b.objects.begin(), b.objects.end(), "chain output") == b.objects.end());
}

TEST_CASE("every message has its own sequence number, mapped back to its object") {
  auto b = buildReplaceBatch(isolated(), {}, 500);
  auto seqs = sequenceNumbers(b);
  // begin marker, one per object, end marker
  REQUIRE(seqs.size() == b.objects.size() + 2);
  for (size_t i = 0; i < b.objects.size(); ++i) CHECK(seqs[i + 1] == 500 + i);
  CHECK(b.objectOf(502) == "add table inet kguard");
  CHECK(b.objectOf(500 + static_cast<uint32_t>(b.objects.size()) - 1) == b.objects.back());
  CHECK(b.objectOf(42) == "message #42");
}

TEST_CASE("a pod without isolation gets no chains; delete batches remove only kguard's table") {
  auto c = cluster(ns("x") + pod("x", "a", "{}", "10.0.0.1"));
  auto b = buildReplaceBatch(compileRuleset(c, podOf(c, "x/a")), {}, 1);
  CHECK(b.objects == std::vector<std::string>{"add table inet kguard", "delete table inet kguard", "add table inet kguard",
                                              "counter ingress_denied", "counter egress_denied"});
  auto d = buildDeleteBatch(1);
  CHECK(d.objects == std::vector<std::string>{"add table inet kguard", "delete table inet kguard"});
}

TEST_CASE("large sets are split over several element messages") {
  std::string yaml = ns("x") + pod("x", "server", "{role: s}", "10.9.0.1");
  for (int i = 0; i < 600; ++i) yaml += pod("x", "c" + std::to_string(i), "{role: c}", "10.1." + std::to_string(i / 200) + "." + std::to_string(2 * (i % 120) + 1));
  auto c = cluster(yaml + policy("x", "p", "  podSelector: {matchLabels: {role: s}}\n  ingress: [{from: [{podSelector: {matchLabels: {role: c}}}], ports: [{port: 443}]}]"));
  auto rs = compileRuleset(c, podOf(c, "x/server"));
  REQUIRE(rs.ingress.ports[0].size() > 256);
  auto b = buildReplaceBatch(rs, {}, 1);
  size_t elementMessages = std::count_if(b.objects.begin(), b.objects.end(), [](const std::string& o) {
    return o.rfind("elements ", 0) == 0 && o.find("of set ingress_v4_ports") != std::string::npos;
  });
  CHECK(elementMessages == (rs.ingress.ports[0].size() + 255) / 256);
  CHECK(std::find(b.objects.begin(), b.objects.end(), "elements 256.." + std::to_string(rs.ingress.ports[0].size() - 1) +
                                                          " of set ingress_v4_ports") != b.objects.end());
}

// The batch is the table encoded: one message per counter, set and chain, element messages per 256
// elements, one per rule, and the rules named by their nft text (nft::ruleText), in the table's order.
TEST_CASE("the batch carries exactly the table's objects, in its order") {
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1,fd00::1") + pod("x", "b", "{pod: b}", "10.0.0.2") +
                   policy("x", "in", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}], ports: [{port: 53, protocol: UDP}]}]") +
                   policy("x", "out", "  podSelector: {matchLabels: {pod: a}}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]\n  policyTypes: [Egress]"));
  RenderOptions options;
  options.nflogGroup = 4;
  auto table = nft::buildTable(compileRuleset(c, podOf(c, "x/a")), options);
  std::vector<std::string> expected = {"add table inet kguard", "delete table inet kguard", "add table inet kguard"};
  for (const auto& counter : table.counters) expected.push_back("counter " + counter);
  REQUIRE(table.denyChains.empty());  // no tier: no verdict map, no deny chain
  for (const auto& set : table.sets) {
    expected.push_back("set " + set.name);
    if (!set.elements.empty())
      expected.push_back("elements 0.." + std::to_string(set.elements.size() - 1) + " of set " + set.name);
  }
  for (const auto& chain : table.chains) {
    expected.push_back("chain " + chain.name);
    int n = 0;
    for (const auto& rule : chain.rules)
      expected.push_back("rule #" + std::to_string(++n) + " of chain " + chain.name + " (" + nft::ruleText(rule) + ")");
  }
  auto batch = buildReplaceBatch(table, 1);
  CHECK(batch.objects == expected);
  CHECK(batch.objects.back() == "rule #16 of chain output (drop)");  // after the rate-limited logging drop
  // The same batch from the ruleset: the agent's entry point builds the same table.
  CHECK(buildReplaceBatch(compileRuleset(c, podOf(c, "x/a")), options, 1).bytes == batch.bytes);
}

// An update deletes the few elements a large set loses; a set that loses many (deleting each costs the
// kernel far more than adding one) is deleted and made again whole under its name, which needs the
// rules that look it up flushed and added back in the same batch. Sets that did not change are not
// touched either way.
TEST_CASE("an update deletes a few elements, but recreates a set that loses many") {
  auto base = nft::buildTable(isolated());
  nft::Set* ports = nullptr;
  for (auto& s : base.sets)
    if (s.name == "ingress_v4_ports") ports = &s;
  REQUIRE(ports);
  ports->elements.clear();
  for (int i = 0; i < 200; ++i)
    ports->elements.push_back({singleAddress(*parseIp("10.1.0." + std::to_string(i + 1))), Protocol::TCP, 80, 80, "", ""});

  auto fewGone = base;
  fewGone.sets[ports - base.sets.data()].elements.resize(199);
  fewGone.sets[ports - base.sets.data()].elements.push_back({singleAddress(*parseIp("10.2.0.1")), Protocol::TCP, 80, 80, "", ""});
  UpdateCounts counts;
  auto update = buildUpdateBatch(base, fewGone, 1, &counts);
  REQUIRE(update);
  CHECK(counts.deleted == 1);
  CHECK(counts.added == 1);
  CHECK(counts.recreatedSets == 0);
  CHECK(update->objects == std::vector<std::string>{"deleting elements 0..0 of set ingress_v4_ports",
                                                    "elements 0..0 of set ingress_v4_ports"});

  auto manyGone = base;
  manyGone.sets[ports - base.sets.data()].elements.resize(100);
  update = buildUpdateBatch(base, manyGone, 1, &counts);
  REQUIRE(update);
  CHECK(counts.deleted == 0);
  CHECK(counts.added == 100);
  CHECK(counts.recreatedSets == 1);
  std::vector<std::string> expected = {"flushing chain input", "deleting set ingress_v4_ports", "set ingress_v4_ports",
                                       "elements 0..99 of set ingress_v4_ports"};
  int n = 0;
  for (const auto& rule : manyGone.chains.front().rules)
    expected.push_back("rule #" + std::to_string(++n) + " of chain input (" + nft::ruleText(rule) + ")");
  REQUIRE(manyGone.chains.size() == 1);
  CHECK(update->objects == expected);
}

namespace {

size_t indexOf(const NftBatch& b, const std::string& object) {
  return static_cast<size_t>(std::find(b.objects.begin(), b.objects.end(), object) - b.objects.begin());
}

// What the kernel requires of an update batch, whatever it changes: a set or counter is deleted only
// after every chain (base or exempt) whose installed rules use it was flushed, and a rule added back only after the sets
// made in the batch.
void checkReferencesHold(const NftBatch& b, const nft::Table& installed) {
  for (size_t i = 0; i < b.objects.size(); ++i) {
    const std::string& o = b.objects[i];
    for (const char* kind : {"deleting set ", "deleting counter "}) {
      if (o.rfind(kind, 0) != 0) continue;
      std::string name = o.substr(std::string(kind).size());
      for (const auto* chains : {&installed.chains, &installed.exemptChains})
        for (const auto& chain : *chains)
          for (const auto& rule : chain.rules)
            if (rule.set == name || rule.counter == name) {
              INFO(o << " used by chain " << chain.name);
              CHECK(indexOf(b, "flushing chain " + chain.name) < i);
            }
    }
    if (o.rfind("set ", 0) == 0)
      for (size_t j = 0; j < i; ++j) CHECK(b.objects[j].rfind("rule #", 0) != 0);
  }
}

}  // namespace

// Sets and counters that come and go, and rules that change, are an update as long as the chains stay:
// one transaction flushes the chains' rules, deletes what went, adds what came and adds the rules back;
// the sets that stayed keep their elements untouched.
TEST_CASE("an update adds and removes sets, counters and rules when the chains stay") {
  const auto base = nft::buildTable(isolated());
  REQUIRE(base.chains.size() == 1);
  auto next = base;
  auto& chain = next.chains.front();
  // ingress_v6_any goes with its rule; admin_ingress_v4_accept comes with one; ingress_v6_ports turns
  // from ports to addresses only (another key type); a counter comes, ingress_denied goes.
  next.sets.erase(std::find_if(next.sets.begin(), next.sets.end(), [](const nft::Set& s) { return s.name == "ingress_v6_any"; }));
  chain.rules.erase(std::find_if(chain.rules.begin(), chain.rules.end(), [](const nft::Rule& r) { return r.set == "ingress_v6_any"; }));
  nft::Set added{"admin_ingress_v4_accept", 0, true, {{singleAddress(*parseIp("10.3.0.1")), Protocol::TCP, 22, 22, "c", ""}}};
  next.sets.push_back(added);
  nft::Rule lookup;
  lookup.match = nft::Rule::Match::PeerInSet;
  lookup.set = added.name;
  lookup.withPorts = true;
  chain.rules.insert(chain.rules.begin() + 1, lookup);
  for (auto& s : next.sets)
    if (s.name == "ingress_v6_ports") s.withPorts = false;
  for (auto& r : chain.rules)
    if (r.set == "ingress_v6_ports") r.withPorts = false;
  next.counters = {"egress_denied", "tier_denied"};
  for (auto& r : chain.rules)
    if (r.counter == "ingress_denied") r.counter = "tier_denied";

  UpdateCounts counts;
  auto update = buildUpdateBatch(base, next, 1, &counts);
  REQUIRE(update);
  CHECK(counts.addedSets == 2);    // admin_ingress_v4_accept; ingress_v6_ports with its new key
  CHECK(counts.removedSets == 2);  // ingress_v6_any; ingress_v6_ports with its old key
  CHECK(counts.recreatedSets == 0);
  CHECK(counts.deleted == 0);
  CHECK(counts.added == 1);
  std::vector<std::string> expected = {"counter tier_denied", "flushing chain input", "deleting set ingress_v6_ports",
                                       "deleting set ingress_v6_any", "deleting counter ingress_denied",
                                       "set ingress_v6_ports", "set admin_ingress_v4_accept",
                                       "elements 0..0 of set admin_ingress_v4_accept"};
  int n = 0;
  for (const auto& rule : chain.rules)
    expected.push_back("rule #" + std::to_string(++n) + " of chain input (" + nft::ruleText(rule) + ")");
  CHECK(update->objects == expected);
  checkReferencesHold(*update, base);
  // The kept sets' elements are not touched: no element message names them.
  for (const auto& o : update->objects) CHECK(o.find("of set ingress_v4_ports") == std::string::npos);

  // Rules alone change (a rule moves): flushed and added back, no set touched.
  auto moved = base;
  std::swap(moved.chains.front().rules[1], moved.chains.front().rules[2]);
  update = buildUpdateBatch(base, moved, 1, &counts);
  REQUIRE(update);
  CHECK(update->objects.front() == "flushing chain input");
  CHECK(update->objects.size() == 1 + moved.chains.front().rules.size());
  // Nothing changed: an empty transaction.
  update = buildUpdateBatch(base, base, 1, &counts);
  REQUIRE(update);
  CHECK(update->objects.empty());
}

TEST_CASE("a chain that comes, goes or changes hooks is a replace, not an update") {
  const auto base = nft::buildTable(isolated());
  REQUIRE(base.chains.size() == 1);
  auto gone = base;
  gone.chains.clear();
  CHECK_FALSE(buildUpdateBatch(base, gone, 1).has_value());
  CHECK_FALSE(buildUpdateBatch(gone, base, 1).has_value());
  auto extra = base;
  extra.chains.push_back({"output", nft::Hook::Output, "", {nft::Rule{}}});
  CHECK_FALSE(buildUpdateBatch(base, extra, 1).has_value());
  auto moved = base;
  moved.chains.front().hook = nft::Hook::Output;
  CHECK_FALSE(buildUpdateBatch(base, moved, 1).has_value());
  // The chain's comment is text only (the batch does not carry it): still an update, of nothing.
  auto recommented = base;
  recommented.chains.front().comment = "other";
  REQUIRE(buildUpdateBatch(base, recommented, 1).has_value());
  CHECK(buildUpdateBatch(base, recommented, 1)->objects.empty());
  // The element delta alone still needs the whole layout the same.
  auto fewer = base;
  fewer.sets.pop_back();
  CHECK_FALSE(buildElementDelta(base, fewer, 1).has_value());
}

// A tier's boxes with ports sit in one verdict map, whose Deny elements go to a deny chain: the batch makes
// the chain (and its rule) before the map; an update that turns an element from Deny to Accept deletes and
// adds that element (its verdict counts in the delta) and deletes the deny chain no element goes to any
// more after that element; the other way, the chain comes before the element that goes to it. The deny
// chain jumps to the exempt chain first, which exists only while the base chain can drop: made (empty)
// before the deny chain, filled after the sets its rules look up, deleted after the deny chain.
TEST_CASE("verdict maps: deny chains before the maps, element verdicts in the update delta", "[cnp]") {
  const auto deny = adminVerdictMap("Deny"), accept = adminVerdictMap("Accept");
  REQUIRE(deny.denyChains.size() == 1);
  CHECK(deny.denyChains[0].name == "admin_ingress_deny");
  CHECK(accept.denyChains.empty());
  const nft::Set* map = deny.findSet("admin_ingress_v4");
  REQUIRE(map);
  CHECK(map->verdictMap);
  REQUIRE(deny.exemptChains.size() == 1);
  CHECK(accept.exemptChains.empty());  // nothing dropped: nothing to exempt
  auto b = buildReplaceBatch(deny, 1);
  const std::string jump = "rule #1 of chain admin_ingress_deny (jump ingress_exempt)";
  const std::string denyRule = "rule #2 of chain admin_ingress_deny (counter name \"ingress_denied\" drop)";
  CHECK(indexOf(b, "chain ingress_exempt") < indexOf(b, "chain admin_ingress_deny"));
  CHECK(indexOf(b, "chain admin_ingress_deny") < indexOf(b, jump));
  CHECK(indexOf(b, jump) < indexOf(b, denyRule));
  CHECK(indexOf(b, denyRule) < indexOf(b, "set admin_ingress_v4"));
  const size_t exemptRules = indexOf(b, "rule #1 of chain ingress_exempt (iifname \"lo\" accept)");
  REQUIRE(exemptRules < b.objects.size());
  for (size_t i = exemptRules; i < b.objects.size(); ++i) CHECK(b.objects[i].rfind("set ", 0) != 0);  // after every set
  CHECK(indexOf(b, "elements 0..41 of set admin_ingress_v4") < indexOf(b, "chain input"));
  // The accepts first: the exempt rules are no longer in the base chain.
  CHECK(indexOf(b, "rule #2 of chain input (ip saddr . meta l4proto . th dport vmap @admin_ingress_v4)") < b.objects.size());

  UpdateCounts counts;
  auto update = buildUpdateBatch(deny, accept, 1, &counts);
  REQUIRE(update);
  CHECK(counts.deleted == 1);
  CHECK(counts.added == 1);
  CHECK(counts.recreatedSets == 0);
  CHECK(indexOf(*update, "deleting elements 0..0 of set admin_ingress_v4") < indexOf(*update, "elements 0..0 of set admin_ingress_v4"));
  CHECK(indexOf(*update, "deleting elements 0..0 of set admin_ingress_v4") < indexOf(*update, "deleting chain admin_ingress_deny"));
  CHECK(indexOf(*update, "deleting chain admin_ingress_deny") < indexOf(*update, "deleting chain ingress_exempt"));
  CHECK(indexOf(*update, "flushing chain ingress_exempt") < indexOf(*update, "deleting chain ingress_exempt"));
  CHECK(indexOf(*update, "deleting chain ingress_exempt") < update->objects.size());

  update = buildUpdateBatch(accept, deny, 1, &counts);
  REQUIRE(update);
  CHECK(counts.deleted == 1);
  CHECK(counts.added == 1);
  CHECK(indexOf(*update, denyRule) < indexOf(*update, "elements 0..0 of set admin_ingress_v4"));
  CHECK(indexOf(*update, "chain ingress_exempt") < indexOf(*update, jump));
  CHECK(indexOf(*update, "chain admin_ingress_deny") < indexOf(*update, jump));
  CHECK(indexOf(*update, jump) < indexOf(*update, denyRule));
  CHECK(indexOf(*update, "rule #1 of chain ingress_exempt (iifname \"lo\" accept)") < update->objects.size());
  CHECK(indexOf(*update, "deleting chain admin_ingress_deny") == update->objects.size());
}
