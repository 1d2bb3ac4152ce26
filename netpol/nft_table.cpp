#include "netpol/nft_table.h"

#include <algorithm>
#include <tuple>

namespace netpol {

const char* const kTableName = "kguard";

std::string nftQuotable(const std::string& text, size_t maxBytes) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') ? '_' : c;
  }
  if (out.size() > maxBytes - 1) out = out.substr(0, maxBytes - 4) + "...";
  return out;
}

namespace nft {
namespace {

std::string joinOrigins(const std::vector<std::string>& origins) {
  std::string out;
  for (const auto& o : origins) out += (out.empty() ? "" : ", ") + o;
  return out;
}

std::string comment(const std::vector<std::string>& origins) {
  return origins.empty() ? "" : nftQuotable(joinOrigins(origins), 128);
}

// The chain's comment names the isolating policies, but stays one readable line with many of them.
std::string isolatingPoliciesText(const std::vector<std::string>& policies) {
  const size_t shown = 10;
  if (policies.size() <= shown) return joinOrigins(policies);
  std::vector<std::string> first(policies.begin(), policies.begin() + shown);
  return joinOrigins(first) + " and " + std::to_string(policies.size() - shown) + " more";
}

const char* dirName(bool ingress) { return ingress ? "ingress" : "egress"; }
const char* familySuffix(int f) { return f == 0 ? "_v4" : "_v6"; }

Rule peerInSet(int family, bool ingress, const std::string& set, bool withPorts) {
  Rule r;
  r.match = Rule::Match::PeerInSet;
  r.family = family;
  r.peerIsSource = ingress;
  r.set = set;
  r.withPorts = withPorts;
  return r;
}

Rule icmpv6Types(uint8_t first, uint8_t last) {
  Rule r;
  r.match = Rule::Match::Icmpv6Types;
  r.icmpFirst = first;
  r.icmpLast = last;
  return r;
}

std::vector<SetElement> portSetElements(const std::vector<PortElement>& elements) {
  std::vector<SetElement> out;
  for (const auto& e : elements) out.push_back({e.address, e.protocol, e.firstPort, e.lastPort, comment(e.origins), ""});
  return out;
}

std::vector<SetElement> addressSetElements(const std::vector<AddressElement>& elements) {
  std::vector<SetElement> out;
  for (const auto& e : elements) out.push_back({e.address, Protocol::TCP, 0, 65535, comment(e.origins), ""});
  return out;
}

// One tier's verdicts, per family: the boxes with ports (TCP, UDP, SCTP) in one verdict map whose Accept
// elements accept and whose Deny elements go to a deny chain (count, log, drop), so that a new connection
// costs one lookup per tier whatever it decides (bench/netpol_agent (h), issue 17); the boxes of protocols
// without ports (ICMP...) in address sets, accept and drop, which only such packets reach. Only sets
// that hold an element: an empty one decides nothing. With deny logs, one deny chain (and one
// protocol-less drop set) per Deny rule, so that the log names it. Tier sets come and go with the tiers'
// rules; the agent installs such a change as an update of the table, not a replace (agent/nft_batch.h).
struct TierSet {
  std::string name;
  int family;
  bool withPorts;
  Verdict verdict;  // Map: the verdict map of the boxes with ports
  std::vector<SetElement> elements;
  const DenyRule* deny = nullptr;  // logged drops: the rule that decided
};

// A chain the tier's Deny elements go to, the Deny rule it names in its log prefix, and the boxes that go
// to it ([0] IPv4, [1] IPv6).
struct DenyTarget {
  std::string chain;
  const DenyRule* rule;
  const std::vector<PortElement>* boxes;
};

// The deny chains of a tier's verdict maps: one per tier and direction, or with deny logs one per Deny
// rule ("admin_ingress_deny", "admin_ingress_deny_0"...); only those some element goes to.
std::vector<DenyTarget> denyTargets(const TierRules& tier, const char* tierPrefix, bool ingress, bool perDenyRule) {
  static const DenyRule unnamed{};
  const std::string base = std::string(tierPrefix) + "_" + dirName(ingress) + "_deny";
  std::vector<DenyTarget> out;
  if (!perDenyRule) {
    if (!tier.drop[0].empty() || !tier.drop[1].empty()) out.push_back({base, &unnamed, tier.drop});
    return out;
  }
  for (size_t k = 0; k < tier.denyRules.size(); ++k) {
    const auto& d = tier.denyRules[k];
    if (!d.drop[0].empty() || !d.drop[1].empty()) out.push_back({base + "_" + std::to_string(k), &d.rule, d.drop});
  }
  return out;
}

std::vector<TierSet> tierSets(const TierRules& tier, const char* tierPrefix, bool ingress, bool perDenyRule) {
  std::vector<TierSet> out;
  auto add = [&out](std::string name, int f, bool ports, Verdict v, std::vector<SetElement> elements, const DenyRule* deny) {
    if (!elements.empty()) out.push_back({std::move(name), f, ports, v, std::move(elements), deny});
  };
  const auto targets = denyTargets(tier, tierPrefix, ingress, perDenyRule);
  for (int f = 0; f < 2; ++f) {
    std::string base = std::string(tierPrefix) + "_" + dirName(ingress) + familySuffix(f);
    // The verdict map: Accept and Deny boxes are disjoint (first match resolved, compile_tiers.cpp).
    std::vector<SetElement> map = portSetElements(tier.accept[f]);
    for (const auto& target : targets)
      for (auto e : portSetElements(target.boxes[f])) {
        e.gotoChain = target.chain;
        map.push_back(std::move(e));
      }
    std::sort(map.begin(), map.end(), [](const SetElement& a, const SetElement& b) {
      return std::tie(a.address.first, a.protocol, a.firstPort) < std::tie(b.address.first, b.protocol, b.firstPort);
    });
    add(base, f, true, Verdict::Map, std::move(map), nullptr);
    add(base + "_other_accept", f, false, Verdict::Accept, addressSetElements(tier.acceptOther[f]), nullptr);
    if (!perDenyRule) {
      add(base + "_other_drop", f, false, Verdict::Drop, addressSetElements(tier.dropOther[f]), nullptr);
      continue;
    }
    for (size_t k = 0; k < tier.denyRules.size(); ++k) {
      const auto& d = tier.denyRules[k];
      add(base + "_other_drop_" + std::to_string(k), f, false, Verdict::Drop, addressSetElements(d.dropOther[f]), &d.rule);
    }
  }
  return out;
}

// Whether ClusterNetworkPolicy tiers decide anything in this direction (its chain has tier lookups).
bool tiersDecide(const DirectionRules& rules) {
  return !rules.admin.empty() || (!rules.isolated() && !rules.baseline.empty());
}

void addTierSets(Table& t, const TierRules& tier, const char* tierPrefix, bool ingress, const RenderOptions& options) {
  for (auto& ts : tierSets(tier, tierPrefix, ingress, options.nflogGroup.has_value()))
    t.sets.push_back({ts.name, ts.family, ts.withPorts, std::move(ts.elements), ts.verdict == Verdict::Map});
}

// `kg:<n>` for `rule`: the agent's id, or numbered in this table (offline), listed in the text.
std::string denyPrefix(Table& t, const RenderOptions& options, const DenyRule& rule) {
  for (const auto& [id, known] : t.denyLogIds)
    if (known == rule) return denyLogPrefix(id);
  uint32_t id = options.denyRuleIds ? options.denyRuleIds->idFor(rule) : static_cast<uint32_t>(t.denyLogIds.size() + 1);
  t.denyLogIds.emplace_back(id, rule);
  return denyLogPrefix(id);
}

// The drop rule `r` counting in `counter`; with deny logs it logs (rate-limited) and a plain drop
// follows for the packets over the rate, so every packet is dropped and counted once.
void addDrop(Table& t, Chain& c, Rule r, const std::string& counter, const DenyRule& deny, const RenderOptions& options) {
  r.verdict = Verdict::Drop;
  r.counter = counter;
  if (!options.nflogGroup) {
    c.rules.push_back(r);
    return;
  }
  Rule overRate = r;
  overRate.counter.clear();
  r.logPrefix = denyPrefix(t, options, deny);
  r.logGroup = *options.nflogGroup;
  r.logRateLimited = true;
  c.rules.push_back(r);
  c.rules.push_back(overRate);
}

// The tier's deny chains, then its lookups; its sets are disjoint, so their order does not matter.
void addTierRules(Table& t, Chain& c, const TierRules& tier, const char* tierPrefix, bool ingress,
                  const RenderOptions& options) {
  const bool perDenyRule = options.nflogGroup.has_value();
  const std::string counter = std::string(dirName(ingress)) + "_denied";
  for (const auto& target : denyTargets(tier, tierPrefix, ingress, perDenyRule)) {
    const DenyRule& d = *target.rule;
    Chain deny{target.chain, c.hook,
               nftQuotable(perDenyRule ? d.tier + " " + d.policy + " " + d.rule + ": count, log, drop"
                                       : std::string(tierPrefix == std::string("admin") ? "Admin " : "Baseline ") +
                                             dirName(ingress) + " Deny: count, drop",
                           128),
               {}};
    addDrop(t, deny, Rule{}, counter, d, options);
    t.denyChains.push_back(std::move(deny));
  }
  for (const auto& ts : tierSets(tier, tierPrefix, ingress, perDenyRule)) {
    Rule r = peerInSet(ts.family, ingress, ts.name, ts.withPorts);
    r.portlessProtocols = !ts.withPorts;
    if (ts.verdict != Verdict::Drop) {
      r.verdict = ts.verdict;
      c.rules.push_back(r);
      continue;
    }
    static const DenyRule unnamed{};
    addDrop(t, c, r, counter, ts.deny ? *ts.deny : unnamed, options);
  }
}

void addInfrastructureRules(Chain& c, bool ingress) {
  // Loopback is the pod talking to itself, not pod-network traffic.
  Rule loopback;
  loopback.match = Rule::Match::Loopback;
  loopback.peerIsSource = ingress;
  c.rules.push_back(loopback);
  // Isolation must not break IPv6 neighbour discovery (the IPv6 ARP): types 133-137 are router
  // solicitation/advertisement, neighbour solicitation/advertisement and redirect; 143 is the MLDv2
  // report a new address sends for its solicited-node group.
  c.rules.push_back(icmpv6Types(133, 137));
  if (!ingress) c.rules.push_back(icmpv6Types(143, 143));
}

void addDirectionSets(Table& t, const DirectionRules& rules, bool ingress, const RenderOptions& options) {
  if (tiersDecide(rules)) {
    addTierSets(t, rules.admin, "admin", ingress, options);
    if (!rules.isolated()) addTierSets(t, rules.baseline, "baseline", ingress, options);
  }
  if (!rules.isolated()) return;
  for (int f = 0; f < 2; ++f) {
    std::string base = std::string(dirName(ingress)) + familySuffix(f);
    Set any{base + "_any", f, false, {}};
    for (const auto& e : rules.anyPort[f]) any.elements.push_back({e.address, Protocol::TCP, 0, 65535, comment(e.origins), ""});
    Set ports{base + "_ports", f, true, {}};
    for (const auto& e : rules.ports[f])
      ports.elements.push_back({e.address, e.protocol, e.firstPort, e.lastPort, comment(e.origins), ""});
    t.sets.push_back(std::move(any));
    t.sets.push_back(std::move(ports));
  }
}

// A TCP connection opened before the pod's table existed was not tracked: conntrack starts in the
// namespace with the table's first ct rule, and picks such a connection up at its next segment
// (nf_conntrack_tcp_loose) as `ct state new`. If the peer opened it, this chain's own lookups pass the
// segment as they pass any new connection. The rules added here pass it when the pod's side opened it
// and the other chain (`other`, null if that direction has none) admits that connection: the segment's
// source port is then the port the connection was opened to. They go just before the chain's first
// rule that can drop (a tier's verdict map with Deny elements, a drop set, or the isolated chain's final
// drop), so a Deny of this direction cannot cut a connection the other direction opened; a new
// connection's SYN fails them at `tcp flags`, before their lookup. A segment without SYN cannot open a
// connection (netpol/README.md).
void insertMidStreamRules(Table& t, Chain& c, const Chain* other, const Ruleset& rs, bool ingress) {
  auto firstDrop = std::find_if(c.rules.begin(), c.rules.end(), [&t](const Rule& r) { return mayDrop(t, r); });
  if (firstDrop == c.rules.end()) return;  // nothing dropped: nothing to pass
  auto midStream = [](Rule r) {
    r.midStreamTcp = true;
    return r;
  };
  std::vector<Rule> rules;
  const DirectionRules& otherRules = ingress ? rs.egress : rs.ingress;
  if (!other) {  // every connection the other way is allowed
    rules.push_back(midStream(Rule{}));
  } else if (!tiersDecide(otherRules)) {  // isolated by NetworkPolicies only: their sets, by source port
    for (int f = 0; f < 2; ++f) {
      std::string base = std::string(dirName(!ingress)) + familySuffix(f);
      Rule ports = peerInSet(f, ingress, base + "_ports", true);
      ports.portIsSource = true;
      rules.push_back(midStream(ports));
      rules.push_back(midStream(peerInSet(f, ingress, base + "_any", false)));
    }
    if (!ingress)  // the node's connections to the pod (probes) are always allowed
      for (int f = 0; f < 2; ++f) rules.push_back(midStream(peerInSet(f, false, std::string("node") + familySuffix(f), false)));
  } else {
    // The tiers, NetworkPolicies and node rules of the other chain resolved into one set per family:
    // the TCP connections it admits, after Admin Accept, Admin Deny, NetworkPolicy and Baseline.
    for (int f = 0; f < 2; ++f) {
      auto admitted = admittedTcp(t, *other, f);
      if (admitted.empty()) continue;  // no such connection to pass: no set, no lookup
      Set set{std::string(dirName(!ingress)) + familySuffix(f) + "_tcp_admitted", f, true, {}};
      for (const auto& e : admitted) set.elements.push_back({e.address, Protocol::TCP, e.firstPort, e.lastPort, "", ""});
      Rule r = peerInSet(f, ingress, set.name, true);
      r.portIsSource = true;
      rules.push_back(midStream(r));
      t.sets.push_back(std::move(set));
    }
  }
  c.rules.insert(firstDrop, rules.begin(), rules.end());
}

std::optional<Chain> makeChain(Table& t, const DirectionRules& rules, bool ingress, const RenderOptions& options) {
  // A direction no policy isolates gets no chain at all, not an empty one: a base chain costs every
  // packet a hook call even when it accepts everything (measured: ~3 % of a new connection's CPU,
  // bench/netpol_agent/README.md).
  if (!rules.filtered()) return std::nullopt;
  const char* dir = dirName(ingress);
  Chain c{ingress ? "input" : "output", ingress ? Hook::Input : Hook::Output,
          rules.isolated() ? std::string("isolated for ") + dir + " by " + isolatingPoliciesText(rules.isolatingPolicies)
                           : std::string("not isolated for ") + dir + "; ClusterNetworkPolicy tiers decide, then accept",
          {}};
  // Replies to allowed connections pass whatever the other side's policies say.
  Rule established;
  established.match = Rule::Match::EstablishedOrRelated;
  c.rules.push_back(established);
  const bool tiers = tiersDecide(rules);
  if (tiers) {
    // Before the tiers: a pod reaching itself (over lo) is exempt from ClusterNetworkPolicy (hairpin),
    // and IPv6 neighbour discovery is not a connection any tier speaks of.
    addInfrastructureRules(c, ingress);
    addTierRules(t, c, rules.admin, "admin", ingress, options);
    if (!rules.isolated()) {
      addTierRules(t, c, rules.baseline, "baseline", ingress, options);
      return c;  // then the chain's policy: accept
    }
  }
  // The policies' peers next: they decide nearly every new connection. All rules here accept, so
  // their order changes only how soon a packet leaves the chain.
  for (int f = 0; f < 2; ++f) {
    std::string base = std::string(dir) + familySuffix(f);
    c.rules.push_back(peerInSet(f, ingress, base + "_ports", true));
    c.rules.push_back(peerInSet(f, ingress, base + "_any", false));
  }
  // Ingress from the pod's own node is always allowed (kubelet probes).
  if (ingress)
    for (int f = 0; f < 2; ++f) c.rules.push_back(peerInSet(f, true, std::string("node") + familySuffix(f), false));
  if (!tiers) addInfrastructureRules(c, ingress);
  // Isolated and no rule allowed: the NetworkPolicies that isolate the pod name the drop.
  std::string isolating;
  for (const auto& p : rules.isolatingPolicies) isolating += (isolating.empty() ? "" : ",") + p;
  addDrop(t, c, Rule{}, std::string(dir) + "_denied", DenyRule{"NetworkPolicy", isolating, dir}, options);
  return c;
}

// Whether `r` matches the first packet of a new connection; `element`: the element a lookup found.
bool matchesNewConnection(const Table& t, const Rule& r, const IpAddress& peer, Protocol protocol, int32_t port,
                          const SetElement** element) {
  // Established/related, loopback and ICMPv6 rules never see the first packet of a TCP/UDP/SCTP
  // connection from the pod network, nor do mid-stream rules (a TCP connection starts with a SYN).
  if (r.midStreamTcp) return false;
  if (r.match == Rule::Match::Any) return true;
  if (r.match != Rule::Match::PeerInSet || r.family != familyIndex(peer.family)) return false;
  if (r.portlessProtocols) return false;  // protocol is TCP, UDP or SCTP here
  const Set* set = t.findSet(r.set);
  if (!set) return false;
  for (const auto& e : set->elements)
    if (e.address.contains(peer) &&
        (!set->withPorts || (e.protocol == protocol && port >= e.firstPort && port <= e.lastPort))) {
      *element = &e;
      return true;
    }
  return false;
}

}  // namespace

bool SetElement::operator==(const SetElement& o) const {
  return std::tie(address, protocol, firstPort, lastPort, comment, gotoChain) ==
         std::tie(o.address, o.protocol, o.firstPort, o.lastPort, o.comment, o.gotoChain);
}
bool Set::operator==(const Set& o) const {
  return std::tie(name, family, withPorts, elements, verdictMap) ==
         std::tie(o.name, o.family, o.withPorts, o.elements, o.verdictMap);
}
bool Rule::operator==(const Rule& o) const {
  return std::tie(match, family, peerIsSource, set, withPorts, portlessProtocols, icmpFirst, icmpLast, midStreamTcp,
                  portIsSource, counter, logPrefix, logGroup, logRateLimited, verdict) ==
         std::tie(o.match, o.family, o.peerIsSource, o.set, o.withPorts, o.portlessProtocols, o.icmpFirst, o.icmpLast,
                  o.midStreamTcp, o.portIsSource, o.counter, o.logPrefix, o.logGroup, o.logRateLimited, o.verdict);
}
bool Chain::operator==(const Chain& o) const {
  return std::tie(name, hook, comment, rules) == std::tie(o.name, o.hook, o.comment, o.rules);
}
bool Table::operator==(const Table& o) const {
  return std::tie(pod, podIps, counters, denyChains, sets, chains) ==
         std::tie(o.pod, o.podIps, o.counters, o.denyChains, o.sets, o.chains);
}

const Set* Table::findSet(const std::string& name) const {
  for (const auto& s : sets)
    if (s.name == name) return &s;
  return nullptr;
}

const Chain* Table::findChain(Hook hook) const {
  for (const auto& c : chains)
    if (c.hook == hook) return &c;
  return nullptr;
}

const Chain* Table::findDenyChain(const std::string& name) const {
  for (const auto& c : denyChains)
    if (c.name == name) return &c;
  return nullptr;
}

Table buildTable(const Ruleset& rs, const RenderOptions& options) {
  Table t;
  t.pod = rs.pod;
  t.podIps = rs.podIps;
  t.counters = {"ingress_denied", "egress_denied"};
  if (rs.ingress.isolated())
    for (int f = 0; f < 2; ++f) {
      Set node{std::string("node") + familySuffix(f), f, false, {}};
      for (const auto& r : rs.nodeAddresses[f]) node.elements.push_back({r, Protocol::TCP, 0, 65535, "", ""});
      t.sets.push_back(std::move(node));
    }
  addDirectionSets(t, rs.ingress, true, options);
  addDirectionSets(t, rs.egress, false, options);
  auto input = makeChain(t, rs.ingress, true, options);
  auto output = makeChain(t, rs.egress, false, options);
  // Each chain's mid-stream rules read the other chain as built, before its own mid-stream rules.
  const std::optional<Chain> inputAsBuilt = input;
  if (input) insertMidStreamRules(t, *input, output ? &*output : nullptr, rs, true);
  if (output) insertMidStreamRules(t, *output, inputAsBuilt ? &*inputAsBuilt : nullptr, rs, false);
  for (auto* c : {&input, &output})
    if (*c) t.chains.push_back(std::move(**c));
  return t;
}

size_t ruleCount(const Table& t) {
  size_t n = 0;
  for (const auto* chains : {&t.denyChains, &t.chains})
    for (const auto& c : *chains) n += c.rules.size();
  return n;
}

bool elementAdmits(const Table& t, const SetElement& e) {
  if (e.gotoChain.empty()) return true;
  const Chain* chain = t.findDenyChain(e.gotoChain);
  if (!chain) return true;  // cannot happen in a built table (the kernel refuses a goto to no chain)
  for (const auto& r : chain->rules)
    if (r.match == Rule::Match::Any && !r.midStreamTcp) return r.verdict == Verdict::Accept;
  return true;  // the end of a goto chain: the base chain's policy, accept
}

bool mayDrop(const Table& t, const Rule& r) {
  if (r.verdict == Verdict::Drop) return true;
  if (r.verdict != Verdict::Map) return false;
  const Set* set = t.findSet(r.set);
  return set && std::any_of(set->elements.begin(), set->elements.end(), [&t](const SetElement& e) { return !elementAdmits(t, e); });
}

bool admits(const Table& t, Hook hook, const IpAddress& peer, Protocol protocol, int32_t port) {
  const Chain* chain = t.findChain(hook);
  if (!chain) return true;  // no base chain on the hook: nothing of ours filters it
  for (const auto& r : chain->rules) {
    const SetElement* element = nullptr;
    if (!matchesNewConnection(t, r, peer, protocol, port, &element)) continue;
    return r.verdict == Verdict::Map ? elementAdmits(t, *element) : r.verdict == Verdict::Accept;
  }
  return true;  // policy accept
}

std::string ruleText(const Rule& r) {
  std::string match;
  switch (r.match) {
    case Rule::Match::EstablishedOrRelated: match = "ct state established,related"; break;
    case Rule::Match::PeerInSet:
      if (r.portlessProtocols) match = "meta l4proto != tcp meta l4proto != udp meta l4proto != sctp ";
      match += std::string(r.family == 0 ? "ip" : "ip6") + (r.peerIsSource ? " saddr" : " daddr") +
               (r.withPorts ? (r.portIsSource ? " . meta l4proto . th sport" : " . meta l4proto . th dport") : "") +
               (r.verdict == Verdict::Map ? " vmap @" : " @") + r.set;
      break;
    case Rule::Match::Loopback: match = std::string(r.peerIsSource ? "iifname" : "oifname") + " \"lo\""; break;
    case Rule::Match::Icmpv6Types:
      match = "meta nfproto ipv6 icmpv6 type " + std::to_string(r.icmpFirst) +
              (r.icmpFirst == r.icmpLast ? "" : "-" + std::to_string(r.icmpLast));
      break;
    case Rule::Match::Any: break;
  }
  std::string out = r.midStreamTcp ? "ct state new tcp flags & (syn | ack) == ack" : "";
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : " ") + part; };
  if (!match.empty()) add(match);
  if (!r.counter.empty()) add("counter name \"" + r.counter + "\"");
  if (r.logRateLimited)
    add("limit rate " + std::to_string(kDenyLogPerSecond) + "/second burst " + std::to_string(kDenyLogBurst) + " packets");
  if (r.logPrefix) add("log prefix \"" + *r.logPrefix + "\" group " + std::to_string(r.logGroup));
  if (r.verdict != Verdict::Map) add(r.verdict == Verdict::Accept ? "accept" : "drop");
  return out;
}

}  // namespace nft

// Read from the table the ruleset installs, so that the answer follows the layout.
bool Ruleset::admitsIngress(const IpAddress& peer, Protocol protocol, int32_t port) const {
  return nft::admits(nft::buildTable(*this), nft::Hook::Input, peer, protocol, port);
}

bool Ruleset::admitsEgress(const IpAddress& peer, Protocol protocol, int32_t port) const {
  return nft::admits(nft::buildTable(*this), nft::Hook::Output, peer, protocol, port);
}

}  // namespace netpol
