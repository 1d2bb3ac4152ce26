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

std::string exemptChainName(bool ingress) { return std::string(dirName(ingress)) + "_exempt"; }

// `jump ingress_exempt`: at a drop site of a chain where tiers decide, the exempt rules first.
Rule jumpToExempt(bool ingress) {
  Rule r;
  r.verdict = Verdict::Jump;
  r.chain = exemptChainName(ingress);
  return r;
}

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
// elements accept and whose Deny elements go to a deny chain (exempt rules, count, log, drop), so that a
// new connection costs one lookup per tier whatever it decides (bench/netpol_agent (h), issue 17); the
// boxes of protocols without ports (ICMP...) in address sets, one that accepts and one that goes to the
// deny chain, which only such packets reach. Only sets
// that hold an element: an empty one decides nothing. With deny logs, one deny chain (and one
// protocol-less drop set) per Deny rule, so that the log names it. Tier sets come and go with the tiers'
// rules; the agent installs such a change as an update of the table, not a replace (agent/nft_batch.h).
struct TierSet {
  std::string name;
  int family;
  bool withPorts;
  Verdict verdict;  // Map: the verdict map of the boxes with ports; Goto: a drop set
  std::vector<SetElement> elements;
  std::string denyChain;  // Goto: where its packets go
};

// A chain the tier's Deny elements go to, the Deny rule it names in its log prefix, and the boxes that go
// to it ([0] IPv4, [1] IPv6).
struct DenyTarget {
  std::string chain;
  const DenyRule* rule;
  const std::vector<PortElement>* boxes;
};

std::string denyChainName(const char* tierPrefix, bool ingress, std::optional<size_t> denyRule) {
  return std::string(tierPrefix) + "_" + dirName(ingress) + "_deny" + (denyRule ? "_" + std::to_string(*denyRule) : "");
}

bool anyBox(const std::vector<PortElement> (&drop)[2], const std::vector<AddressElement> (&dropOther)[2]) {
  return !drop[0].empty() || !drop[1].empty() || !dropOther[0].empty() || !dropOther[1].empty();
}

// The deny chains of a tier's verdict maps and drop sets: one per tier and direction, or with deny logs
// one per Deny rule ("admin_ingress_deny", "admin_ingress_deny_0"...); only those some element goes to.
std::vector<DenyTarget> denyTargets(const TierRules& tier, const char* tierPrefix, bool ingress, bool perDenyRule) {
  static const DenyRule unnamed{};
  std::vector<DenyTarget> out;
  if (!perDenyRule) {
    if (anyBox(tier.drop, tier.dropOther)) out.push_back({denyChainName(tierPrefix, ingress, {}), &unnamed, tier.drop});
    return out;
  }
  for (size_t k = 0; k < tier.denyRules.size(); ++k) {
    const auto& d = tier.denyRules[k];
    if (anyBox(d.drop, d.dropOther)) out.push_back({denyChainName(tierPrefix, ingress, k), &d.rule, d.drop});
  }
  return out;
}

std::vector<TierSet> tierSets(const TierRules& tier, const char* tierPrefix, bool ingress, bool perDenyRule) {
  std::vector<TierSet> out;
  auto add = [&out](std::string name, int f, bool ports, Verdict v, std::vector<SetElement> elements, std::string deny) {
    if (!elements.empty()) out.push_back({std::move(name), f, ports, v, std::move(elements), std::move(deny)});
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
    add(base, f, true, Verdict::Map, std::move(map), "");
    add(base + "_other_accept", f, false, Verdict::Accept, addressSetElements(tier.acceptOther[f]), "");
    if (!perDenyRule) {
      add(base + "_other_drop", f, false, Verdict::Goto, addressSetElements(tier.dropOther[f]),
          denyChainName(tierPrefix, ingress, {}));
      continue;
    }
    for (size_t k = 0; k < tier.denyRules.size(); ++k)
      add(base + "_other_drop_" + std::to_string(k), f, false, Verdict::Goto,
          addressSetElements(tier.denyRules[k].dropOther[f]), denyChainName(tierPrefix, ingress, k));
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

// The tier's deny chains: the direction's exempt rules first (a drop site, see makeChain), then count,
// log and drop.
void addDenyChains(Table& t, const TierRules& tier, const char* tierPrefix, bool ingress, const RenderOptions& options) {
  const bool perDenyRule = options.nflogGroup.has_value();
  for (const auto& target : denyTargets(tier, tierPrefix, ingress, perDenyRule)) {
    const DenyRule& d = *target.rule;
    Chain deny{target.chain, ingress ? Hook::Input : Hook::Output,
               nftQuotable(perDenyRule ? d.tier + " " + d.policy + " " + d.rule + ": count, log, drop"
                                       : std::string(tierPrefix == std::string("admin") ? "Admin " : "Baseline ") +
                                             dirName(ingress) + " Deny: count, drop",
                           128),
               {jumpToExempt(ingress)}};
    addDrop(t, deny, Rule{}, std::string(dirName(ingress)) + "_denied", d, options);
    t.denyChains.push_back(std::move(deny));
  }
}

// The tier's lookups of TCP, UDP and SCTP (`withPorts`: its verdict maps) or of the other protocols (its
// `other` sets: accept, or goto the deny chain). A tier's sets are disjoint, so their order does not matter.
void addTierLookups(Chain& c, const TierRules& tier, const char* tierPrefix, bool ingress, const RenderOptions& options,
                    bool withPorts) {
  for (const auto& ts : tierSets(tier, tierPrefix, ingress, options.nflogGroup.has_value())) {
    if (ts.withPorts != withPorts) continue;
    Rule r = peerInSet(ts.family, ingress, ts.name, ts.withPorts);
    r.portlessProtocols = !ts.withPorts;
    r.verdict = ts.verdict;
    r.chain = ts.denyChain;
    c.rules.push_back(r);
  }
}

void addInfrastructureRules(std::vector<Rule>& rules, bool ingress) {
  // Loopback is the pod talking to itself, not pod-network traffic.
  Rule loopback;
  loopback.match = Rule::Match::Loopback;
  loopback.peerIsSource = ingress;
  rules.push_back(loopback);
  // Isolation must not break IPv6 neighbour discovery (the IPv6 ARP): types 133-137 are router
  // solicitation/advertisement, neighbour solicitation/advertisement and redirect; 143 is the MLDv2
  // report a new address sends for its solicited-node group.
  rules.push_back(icmpv6Types(133, 137));
  if (!ingress) rules.push_back(icmpv6Types(143, 143));
}

std::string adminOverridesName(bool ingress, int f) {
  return std::string("admin_") + dirName(ingress) + familySuffix(f) + "_np_overrides";
}

// In a direction NetworkPolicies isolate, their `_ports` lookups go ahead of the Admin map (makeChain),
// so the Admin Deny elements that overlap a NetworkPolicy port box are looked up before them, in a
// verdict map of their own (`admin_ingress_v4_np_overrides`, the same elements and deny chains): Admin
// Deny wins over a NetworkPolicy's allow. Usually it is empty, and then neither declared nor looked up.
// `ports` are normalised boxes (interval_sets.h): their address ranges are equal or disjoint, so sorted
// by address their ends rise too and a binary search finds the first that can overlap.
void addAdminOverrides(Table& t, const std::vector<PortElement>& ports, bool ingress, int f) {
  const Set* admin = t.findSet(std::string("admin_") + dirName(ingress) + familySuffix(f));
  if (!admin || ports.empty()) return;
  const bool endsRise = std::is_sorted(ports.begin(), ports.end(), [](const PortElement& a, const PortElement& b) {
    return a.address.last < b.address.last;
  });
  Set overrides{adminOverridesName(ingress, f), f, true, {}, true};
  for (const auto& e : admin->elements) {
    if (e.gotoChain.empty()) continue;  // an Accept: the NetworkPolicy accepts it as well
    auto it = endsRise ? std::lower_bound(ports.begin(), ports.end(), e.address.first,
                                          [](const PortElement& p, const IpAddress& a) { return p.address.last < a; })
                       : ports.begin();
    for (; it != ports.end() && (!endsRise || !(e.address.last < it->address.first)); ++it)
      if (it->protocol == e.protocol && !(e.address.last < it->address.first) && !(it->address.last < e.address.first) &&
          it->firstPort <= e.lastPort && e.firstPort <= it->lastPort) {
        overrides.elements.push_back(e);
        break;
      }
  }
  if (!overrides.elements.empty()) t.sets.push_back(std::move(overrides));
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
    if (tiersDecide(rules)) addAdminOverrides(t, rules.ports[f], ingress, f);
    t.sets.push_back(std::move(any));
    t.sets.push_back(std::move(ports));
  }
}

// A TCP connection opened before the pod's table existed was not tracked: conntrack starts in the
// namespace with the table's first ct rule, and picks such a connection up at its next segment
// (nf_conntrack_tcp_loose) as `ct state new`. If the peer opened it, this chain's own lookups pass the
// segment as they pass any new connection. The rules returned here pass it when the pod's side opened
// it and the other chain (`other`, null if that direction has none) admits that connection: the
// segment's source port is then the port the connection was opened to. They are exempt rules (run
// before every drop, see placeExemptRules), so a Deny of this direction cannot cut a connection the
// other direction opened; a new connection's SYN fails them at `tcp flags`, before their lookup. A
// segment without SYN cannot open a connection (netpol/README.md).
std::vector<Rule> midStreamRules(Table& t, const Chain* other, const Ruleset& rs, bool ingress) {
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
  return rules;
}

// The packets no policy decides: the pod reaching itself over lo (hairpin: no NetworkPolicy or tier
// applies), IPv6 neighbour discovery, and TCP connections opened before the table that the other chain
// admits (midStreamRules). All accept, and they only need to run before a packet would be dropped: a
// chain only NetworkPolicies decide has one drop, last, and gets them inline just before it, where
// accepted connections never evaluate them. A chain where tiers decide drops in several places (each
// tier's deny chains, its `other` drop sets, the NetworkPolicy drop): there they are one regular chain,
// `<dir>_exempt`, that each drop site jumps to first (an accept inside it accepts the packet, its end
// returns to the drop). Since every other rule of the base chain accepts or goes on, running the exempt
// accepts just before each drop instead of once before the first one admits the same packets, and
// counts the same drops. A chain that drops nothing gets none.
void placeExemptRules(Table& t, Chain& c, const Chain* other, const Ruleset& rs, bool ingress) {
  auto firstDrop = std::find_if(c.rules.begin(), c.rules.end(), [&t](const Rule& r) { return mayDrop(t, r); });
  if (firstDrop == c.rules.end()) return;  // nothing dropped: nothing to exempt
  std::vector<Rule> rules;
  addInfrastructureRules(rules, ingress);
  for (auto& r : midStreamRules(t, other, rs, ingress)) rules.push_back(std::move(r));
  if (!tiersDecide(ingress ? rs.ingress : rs.egress)) {
    c.rules.insert(firstDrop, rules.begin(), rules.end());
    return;
  }
  t.exemptChains.push_back({exemptChainName(ingress), c.hook,
                            std::string("exempt from every ") + dirName(ingress) +
                                " drop: loopback, IPv6 neighbour discovery, TCP opened before the table",
                            std::move(rules)});
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
  // The exempt rules (placeExemptRules) come later: before the drops, not before the accepts.
  const bool tiers = tiersDecide(rules);
  if (tiers && !rules.isolated()) {
    // TCP, UDP and SCTP decided by either tier before any lookup of the other protocols, which only
    // those packets evaluate; Admin's before Baseline's in both.
    addDenyChains(t, rules.admin, "admin", ingress, options);
    addDenyChains(t, rules.baseline, "baseline", ingress, options);
    addTierLookups(c, rules.admin, "admin", ingress, options, true);
    addTierLookups(c, rules.baseline, "baseline", ingress, options, true);
    addTierLookups(c, rules.admin, "admin", ingress, options, false);
    addTierLookups(c, rules.baseline, "baseline", ingress, options, false);
    return c;  // then the chain's policy: accept
  }
  // The policies' peers next: they decide nearly every new connection. All rules here accept, so
  // their order changes only how soon a packet leaves the chain.
  if (!tiers) {
    for (int f = 0; f < 2; ++f) {
      std::string base = std::string(dir) + familySuffix(f);
      c.rules.push_back(peerInSet(f, ingress, base + "_ports", true));
      c.rules.push_back(peerInSet(f, ingress, base + "_any", false));
    }
  } else {
    // Under an Admin tier the `_ports` lookups go first too, so that a connection a NetworkPolicy
    // admits costs what it costs without tiers; only the Admin Deny elements that overlap one of their
    // boxes go before them (addAdminOverrides). Every other box of theirs is accepted either way (Admin
    // Accept, or Admin Pass / no match and then this NetworkPolicy accept). The Admin lookups of the
    // other protocols go before the first rule that accepts any protocol (`_any`, node); the `_ports`
    // sets hold only TCP, UDP and SCTP.
    addDenyChains(t, rules.admin, "admin", ingress, options);
    for (int f = 0; f < 2; ++f)
      if (t.findSet(adminOverridesName(ingress, f))) {
        Rule overrides = peerInSet(f, ingress, adminOverridesName(ingress, f), true);
        overrides.verdict = Verdict::Map;
        c.rules.push_back(overrides);
      }
    for (int f = 0; f < 2; ++f) c.rules.push_back(peerInSet(f, ingress, std::string(dir) + familySuffix(f) + "_ports", true));
    addTierLookups(c, rules.admin, "admin", ingress, options, true);
    addTierLookups(c, rules.admin, "admin", ingress, options, false);
    for (int f = 0; f < 2; ++f) c.rules.push_back(peerInSet(f, ingress, std::string(dir) + familySuffix(f) + "_any", false));
  }
  // Ingress from the pod's own node is always allowed (kubelet probes).
  if (ingress)
    for (int f = 0; f < 2; ++f) c.rules.push_back(peerInSet(f, true, std::string("node") + familySuffix(f), false));
  if (tiers) c.rules.push_back(jumpToExempt(ingress));
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
  // connection from the pod network, nor do mid-stream rules (a TCP connection starts with a SYN); so
  // the jump to an exempt chain, which holds only those, returns.
  if (r.midStreamTcp || r.verdict == Verdict::Jump) return false;
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
                  portIsSource, counter, logPrefix, logGroup, logRateLimited, verdict, chain) ==
         std::tie(o.match, o.family, o.peerIsSource, o.set, o.withPorts, o.portlessProtocols, o.icmpFirst, o.icmpLast,
                  o.midStreamTcp, o.portIsSource, o.counter, o.logPrefix, o.logGroup, o.logRateLimited, o.verdict,
                  o.chain);
}
bool Chain::operator==(const Chain& o) const {
  return std::tie(name, hook, comment, rules) == std::tie(o.name, o.hook, o.comment, o.rules);
}
bool Table::operator==(const Table& o) const {
  return std::tie(pod, podIps, counters, denyChains, sets, exemptChains, chains) ==
         std::tie(o.pod, o.podIps, o.counters, o.denyChains, o.sets, o.exemptChains, o.chains);
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

const Chain* Table::findExemptChain(const std::string& name) const {
  for (const auto& c : exemptChains)
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
  // Each chain's mid-stream rules read the other chain's lookups, which the exempt rules placed in it
  // do not change (admittedTcp skips them).
  if (input) placeExemptRules(t, *input, output ? &*output : nullptr, rs, true);
  if (output) placeExemptRules(t, *output, input ? &*input : nullptr, rs, false);
  for (auto* c : {&input, &output})
    if (*c) t.chains.push_back(std::move(**c));
  return t;
}

size_t ruleCount(const Table& t) {
  size_t n = 0;
  for (const auto* chains : {&t.denyChains, &t.exemptChains, &t.chains})
    for (const auto& c : *chains) n += c.rules.size();
  return n;
}

namespace {

// What a deny chain does with the first packet of a new connection: its first rule's verdict that
// matches every packet (the jump to the exempt chain returns for such a packet).
bool denyChainAdmits(const Table& t, const std::string& name) {
  const Chain* chain = t.findDenyChain(name);
  if (!chain) return true;  // cannot happen in a built table (the kernel refuses a goto to no chain)
  for (const auto& r : chain->rules)
    if (r.match == Rule::Match::Any && !r.midStreamTcp && r.verdict != Verdict::Jump) return r.verdict == Verdict::Accept;
  return true;  // the end of a goto chain: the base chain's policy, accept
}

}  // namespace

bool elementAdmits(const Table& t, const SetElement& e) { return e.gotoChain.empty() || denyChainAdmits(t, e.gotoChain); }

bool mayDrop(const Table& t, const Rule& r) {
  if (r.verdict == Verdict::Drop) return true;
  if (r.verdict == Verdict::Goto) return !denyChainAdmits(t, r.chain);
  if (r.verdict != Verdict::Map) return false;
  const Set* set = t.findSet(r.set);
  return set && std::any_of(set->elements.begin(), set->elements.end(), [&t](const SetElement& e) { return !elementAdmits(t, e); });
}

bool ruleAdmits(const Table& t, const Rule& r, const SetElement* element) {
  switch (r.verdict) {
    case Verdict::Map: return element && elementAdmits(t, *element);
    case Verdict::Goto: return denyChainAdmits(t, r.chain);
    default: return r.verdict == Verdict::Accept;
  }
}

bool admits(const Table& t, Hook hook, const IpAddress& peer, Protocol protocol, int32_t port) {
  const Chain* chain = t.findChain(hook);
  if (!chain) return true;  // no base chain on the hook: nothing of ours filters it
  for (const auto& r : chain->rules) {
    const SetElement* element = nullptr;
    if (matchesNewConnection(t, r, peer, protocol, port, &element)) return ruleAdmits(t, r, element);
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
  switch (r.verdict) {
    case Verdict::Accept: add("accept"); break;
    case Verdict::Drop: add("drop"); break;
    case Verdict::Jump: add("jump " + r.chain); break;
    case Verdict::Goto: add("goto " + r.chain); break;
    case Verdict::Map: break;
  }
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
