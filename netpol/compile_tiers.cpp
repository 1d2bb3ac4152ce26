// compileTier: the ClusterNetworkPolicies of one tier selecting a pod, with first-match resolved at
// compile time. A tier is an ordered list (priority, then name, then rule order) whose first matching
// rule decides, which a union of sets cannot express; so the (address x protocol x port) space is cut
// at every boundary of every rule's peers and ports, and each piece gets the action of the first rule
// covering it (what evaluateTier answers for any connection inside the piece). The chains then need
// one accept-set and one drop-set lookup per tier, whatever the number of policies and rules.
#include <algorithm>
#include <array>
#include <map>

#include "netpol/cluster_policy_evaluate.h"
#include "netpol/interval_sets.h"
#include "netpol/ruleset.h"
#include "netpol/selection.h"

namespace netpol {
namespace {

// A rule of the tier in evaluation order.
struct OrderedRule {
  CnpAction action;
  std::string origin;
  DenyRule deny;  // how a deny log names it
};

// Part of what one rule matches: addresses x (every protocol, or one protocol's port range).
struct Clause {
  AddressRange address;
  bool everyProtocol = false;
  Protocol protocol = Protocol::TCP;
  int32_t first = 0, last = 65535;
  size_t rule = 0;  // index into the ordered rules: lower wins
};

const std::array<Protocol, 3> kPortProtocols = {Protocol::TCP, Protocol::UDP, Protocol::SCTP};

bool namespaceMatches(const Cluster& cluster, const kube::LabelSelector& selector, const Pod& pod) {
  const Namespace* ns = cluster.findNamespace(pod.namespace_);
  return ns && selector.matches(ns->labels);
}

// The pods a namespaces/pods peer selects (pod-network pods only, as evaluateTier's peerMatches).
std::vector<const Pod*> peerPods(const Cluster& cluster, const CnpPeer& peer) {
  std::vector<const Pod*> out;
  for (const auto& pod : cluster.pods) {
    if (!selectablePeer(pod)) continue;
    bool match = peer.kind == CnpPeer::Kind::Namespaces
                     ? namespaceMatches(cluster, peer.selector, pod)
                     : namespaceMatches(cluster, peer.pods.namespaceSelector, pod) && peer.pods.podSelector.matches(pod.labels);
    if (match) out.push_back(&pod);
  }
  return out;
}

struct ResolvedPeers {
  std::vector<AddressRange> ranges;
  std::vector<const Pod*> pods;  // behind the ranges, for egress named ports
};

ResolvedPeers resolvePeers(const Cluster& cluster, const CnpRule& rule) {
  ResolvedPeers out;
  for (const auto& peer : rule.peers) {
    switch (peer.kind) {
      case CnpPeer::Kind::Namespaces:
      case CnpPeer::Kind::Pods:
        for (const Pod* pod : peerPods(cluster, peer)) {
          out.pods.push_back(pod);
          for (const auto& ip : pod->ips) out.ranges.push_back(singleAddress(ip));
        }
        break;
      case CnpPeer::Kind::Nodes:
        // The selected Node objects' InternalIP/ExternalIP addresses (not pods' hostIPs).
        for (const auto& node : cluster.nodes)
          if (peer.selector.matches(node.labels))
            for (const auto& ip : node.addresses) out.ranges.push_back(singleAddress(ip));
        break;
      case CnpPeer::Kind::Networks:
        for (const auto& cidr : peer.networks) out.ranges.push_back(cidr.range());
        break;
    }
  }
  return out;
}

// destinationNamedPort: the container ports of `destination` with that name (any protocol).
std::vector<NamedPort> namedPorts(const Pod& destination, const std::string& name) {
  std::vector<NamedPort> out;
  for (const auto& p : destination.ports)
    if (p.name == name) out.push_back(p);
  return out;
}

void addRuleClauses(const Cluster& cluster, const CnpRule& rule, size_t index, bool ingress, const Pod& subject,
                    std::vector<Clause>& out) {
  auto peers = resolvePeers(cluster, rule);
  auto add = [&](const AddressRange& a, bool every, Protocol p, int32_t first, int32_t last) {
    out.push_back({a, every, p, first, last, index});
  };
  if (rule.protocols.empty()) {
    for (const auto& r : peers.ranges) add(r, true, Protocol::TCP, 0, 65535);
    return;
  }
  for (const auto& proto : rule.protocols) {
    if (!proto.namedPort) {
      for (const auto& r : peers.ranges) add(r, false, *proto.protocol, proto.first, proto.last);
    } else if (ingress) {
      // Named ports resolve against the destination: for ingress, the subject itself.
      for (const auto& np : namedPorts(subject, *proto.namedPort))
        for (const auto& r : peers.ranges) add(r, false, np.protocol, np.number, np.number);
    } else {
      // For egress, against each destination pod, for that pod's own addresses.
      for (const Pod* destination : peers.pods)
        for (const auto& np : namedPorts(*destination, *proto.namedPort))
          for (const auto& ip : destination->ips) add(singleAddress(ip), false, np.protocol, np.number, np.number);
    }
  }
}

std::string origin(const ClusterNetworkPolicy& policy, bool ingress, size_t i, const CnpRule& rule) {
  std::string out = std::string(tierName(policy.tier)) + " " + policy.name + " " + (ingress ? "ingress[" : "egress[") +
                    std::to_string(i) + "]";
  return rule.name.empty() ? out : out + " (" + rule.name + ")";
}

bool isMaxAddress(const IpAddress& a) { return a == wholeFamily(a.family).last; }

// The winning rule for each port piece of one protocol inside one address piece.
void resolvePorts(const std::vector<const Clause*>& active, Protocol protocol, const AddressRange& address,
                  const std::vector<OrderedRule>& rules, TierRules& out, int family) {
  std::vector<int32_t> cuts;
  for (const Clause* c : active)
    if (c->everyProtocol || c->protocol == protocol) {
      cuts.push_back(c->first);
      cuts.push_back(c->last + 1);
    }
  if (cuts.empty()) return;
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    int32_t first = cuts[k], last = cuts[k + 1] - 1;
    size_t winner = SIZE_MAX;
    for (const Clause* c : active)
      if ((c->everyProtocol || c->protocol == protocol) && c->first <= first && last <= c->last)
        winner = std::min(winner, c->rule);
    if (winner == SIZE_MAX || rules[winner].action == CnpAction::Pass) continue;
    auto& list = rules[winner].action == CnpAction::Accept ? out.accept[family] : out.drop[family];
    // Neighbouring ports won by the same rule are one element.
    if (!list.empty() && list.back().address == address && list.back().protocol == protocol &&
        list.back().lastPort + 1 == first && list.back().origins.front() == rules[winner].origin)
      list.back().lastPort = last;
    else
      list.push_back({address, protocol, first, last, {rules[winner].origin}});
  }
}

// Sweeps the address axis of one family: at each piece, the clauses covering it decide.
void resolveFamily(std::vector<Clause> clauses, const std::vector<OrderedRule>& rules, TierRules& out, int family) {
  if (clauses.empty()) return;
  std::vector<IpAddress> cuts;
  for (const auto& c : clauses) {
    cuts.push_back(c.address.first);
    if (!isMaxAddress(c.address.last)) cuts.push_back(nextAddress(c.address.last));
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::sort(clauses.begin(), clauses.end(), [](const Clause& a, const Clause& b) { return a.address.first < b.address.first; });
  std::vector<const Clause*> active;
  size_t next = 0;
  const Family fam = clauses.front().address.family();
  for (size_t k = 0; k < cuts.size(); ++k) {
    const IpAddress& start = cuts[k];
    while (next < clauses.size() && !(start < clauses[next].address.first)) active.push_back(&clauses[next++]);
    active.erase(std::remove_if(active.begin(), active.end(), [&](const Clause* c) { return c->address.last < start; }),
                 active.end());
    if (active.empty()) continue;
    AddressRange piece{start, k + 1 < cuts.size() ? previousAddress(cuts[k + 1]) : wholeFamily(fam).last};
    for (Protocol p : kPortProtocols) resolvePorts(active, p, piece, rules, out, family);
    size_t winner = SIZE_MAX;  // protocols without ports: only rules without `protocols` match them
    for (const Clause* c : active)
      if (c->everyProtocol) winner = std::min(winner, c->rule);
    if (winner == SIZE_MAX || rules[winner].action == CnpAction::Pass) continue;
    auto& list = rules[winner].action == CnpAction::Accept ? out.acceptOther[family] : out.dropOther[family];
    list.push_back({piece, {rules[winner].origin}});
  }
}

// Before normalisation every drop box has exactly one origin: its deciding rule.
void splitDropsByRule(const std::vector<OrderedRule>& rules, TierRules& out) {
  std::map<std::string, size_t> byOrigin;
  auto entry = [&](const std::string& origin) -> TierRules::DenyRuleBoxes& {
    auto [it, added] = byOrigin.emplace(origin, out.denyRules.size());
    if (added) {
      auto rule = std::find_if(rules.begin(), rules.end(), [&](const OrderedRule& r) { return r.origin == origin; });
      out.denyRules.push_back({rule->deny, {}, {}});
    }
    return out.denyRules[it->second];
  };
  for (int f = 0; f < 2; ++f) {
    for (const auto& e : out.drop[f]) entry(e.origins.front()).drop[f].push_back(e);
    for (const auto& e : out.dropOther[f]) entry(e.origins.front()).dropOther[f].push_back(e);
  }
  for (auto& d : out.denyRules)
    for (int f = 0; f < 2; ++f) {
      d.drop[f] = normalizePortElements(d.drop[f]);
      d.dropOther[f] = normalizeAddressElements(std::move(d.dropOther[f]));
    }
}

}  // namespace

bool TierRules::empty() const {
  for (int f = 0; f < 2; ++f)
    if (!accept[f].empty() || !drop[f].empty() || !acceptOther[f].empty() || !dropOther[f].empty()) return false;
  return true;
}

std::vector<const ClusterNetworkPolicy*> tierPoliciesSelecting(const Cluster& cluster, Tier tier, const Pod& subject) {
  std::vector<const ClusterNetworkPolicy*> out;
  // cluster.clusterPolicies is in evaluation order (evaluatedBefore), as evaluateTier walks it.
  for (const auto& policy : cluster.clusterPolicies)
    if (policy.tier == tier && clusterPolicySelectsPod(cluster, policy, subject)) out.push_back(&policy);
  return out;
}

TierRules compileTier(const Cluster& cluster, Tier tier, bool ingress, const Pod& subject) {
  return compileTier(cluster, tierPoliciesSelecting(cluster, tier, subject), ingress, subject);
}

TierRules compileTier(const Cluster& cluster, const std::vector<const ClusterNetworkPolicy*>& policies, bool ingress,
                      const Pod& subject) {
  std::vector<OrderedRule> rules;
  std::vector<Clause> clauses[2];
  for (const ClusterNetworkPolicy* selecting : policies) {
    const auto& policy = *selecting;
    const auto& list = ingress ? policy.ingress : policy.egress;
    for (size_t i = 0; i < list.size(); ++i) {
      std::vector<Clause> ruleClauses;
      addRuleClauses(cluster, list[i], rules.size(), ingress, subject, ruleClauses);
      std::string rule = std::string(ingress ? "ingress[" : "egress[") + std::to_string(i) + "]" +
                         (list[i].name.empty() ? "" : " (" + list[i].name + ")");
      rules.push_back({list[i].action, origin(policy, ingress, i, list[i]), {tierName(policy.tier), policy.name, rule}});
      for (auto& c : ruleClauses) clauses[familyIndex(c.address.family())].push_back(c);
    }
  }
  TierRules out;
  for (int f = 0; f < 2; ++f) resolveFamily(std::move(clauses[f]), rules, out, f);
  splitDropsByRule(rules, out);
  for (int f = 0; f < 2; ++f) {
    // Neighbouring address pieces with the same boxes become one element.
    out.accept[f] = normalizePortElements(out.accept[f]);
    out.drop[f] = normalizePortElements(out.drop[f]);
    out.acceptOther[f] = normalizeAddressElements(std::move(out.acceptOther[f]));
    out.dropOther[f] = normalizeAddressElements(std::move(out.dropOther[f]));
  }
  return out;
}

}  // namespace netpol
