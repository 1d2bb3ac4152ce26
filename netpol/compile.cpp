// compileRuleset: every policy that selects the pod, turned into set elements. The chains that use
// the sets are fixed (render_nft.cpp), so the per-packet cost is one set lookup per family and kind,
// whatever the number of policies or peers.
#include <algorithm>
#include <map>
#include <tuple>

#include "netpol/interval_sets.h"
#include "netpol/ruleset.h"
#include "netpol/selection.h"

namespace netpol {
namespace {

enum class Direction { Ingress, Egress };

// A peer resolved to addresses; for selector peers also the pods, so that egress named ports can be
// resolved per destination pod.
struct ResolvedPeer {
  std::vector<AddressRange> ranges;
  std::vector<const Pod*> pods;  // pods whose addresses the ranges contain (for named ports)
};

std::vector<const Pod*> podsInside(const Cluster& cluster, const std::vector<AddressRange>& ranges) {
  std::vector<const Pod*> out;
  for (const auto& pod : cluster.pods) {
    if (!selectablePeer(pod)) continue;
    bool inside = std::any_of(pod.ips.begin(), pod.ips.end(), [&](const IpAddress& ip) {
      return std::any_of(ranges.begin(), ranges.end(), [&](const AddressRange& r) { return r.contains(ip); });
    });
    if (inside) out.push_back(&pod);
  }
  return out;
}

std::vector<ResolvedPeer> resolvePeers(const Cluster& cluster, const NetworkPolicy& policy, const Rule& rule,
                                       bool needPods) {
  std::vector<ResolvedPeer> out;
  if (rule.peers.empty()) {
    // Missing or empty from/to: every address of both families.
    ResolvedPeer all{{wholeFamily(Family::V4), wholeFamily(Family::V6)}, {}};
    if (needPods) all.pods = podsInside(cluster, all.ranges);
    out.push_back(std::move(all));
    return out;
  }
  for (const auto& peer : rule.peers) {
    ResolvedPeer resolved;
    if (peer.ipBlock) {
      resolved.ranges = ipBlockRanges(*peer.ipBlock);
      if (needPods) resolved.pods = podsInside(cluster, resolved.ranges);
    } else {
      resolved.pods = podsSelectedByPeer(cluster, policy, peer);
      for (const Pod* pod : resolved.pods)
        for (const auto& ip : pod->ips) resolved.ranges.push_back(singleAddress(ip));
    }
    out.push_back(std::move(resolved));
  }
  return out;
}

// Resolved peers per (policy, direction, rule): independent of the pod being compiled.
using PeerKey = std::tuple<const NetworkPolicy*, Direction, size_t>;
using PeerMap = std::map<PeerKey, std::vector<ResolvedPeer>>;

class DirectionCompiler {
 public:
  DirectionCompiler(const Cluster& cluster, const Pod& pod, Direction direction, PeerMap& peers)
      : cluster_(cluster), pod_(pod), direction_(direction), peers_(peers) {}

  void addPolicy(const NetworkPolicy& policy) {
    bool ingress = direction_ == Direction::Ingress;
    if (!(ingress ? policy.affectsIngress : policy.affectsEgress) || !policySelectsPod(policy, pod_)) return;
    rules_.isolatingPolicies.push_back(policy.id());
    const auto& rules = ingress ? policy.ingress : policy.egress;
    for (size_t i = 0; i < rules.size(); ++i)
      addRule(policy, i, rules[i], policy.id() + (ingress ? " ingress[" : " egress[") + std::to_string(i) + "]");
  }

  DirectionRules finish() {
    for (int f = 0; f < 2; ++f) {
      rules_.anyPort[f] = normalizeAddressElements(std::move(anyPort_[f]));
      rules_.ports[f] = normalizePortElements(ports_[f]);
    }
    return std::move(rules_);
  }

 private:
  void addRule(const NetworkPolicy& policy, size_t index, const Rule& rule, const std::string& origin) {
    bool namedPorts = std::any_of(rule.ports.begin(), rule.ports.end(), [](const PolicyPort& p) { return p.name.has_value(); });
    // Egress named ports depend on each destination pod; ingress ones on this pod only.
    bool perDestination = direction_ == Direction::Egress && namedPorts;
    PeerKey key{&policy, direction_, index};
    auto cached = peers_.find(key);
    if (cached == peers_.end()) cached = peers_.emplace(key, resolvePeers(cluster_, policy, rule, perDestination)).first;
    for (const auto& peer : cached->second) {
      if (rule.ports.empty()) {
        for (const auto& r : peer.ranges) anyPort_[familyIndex(r.family())].push_back({r, {origin}});
        continue;
      }
      for (const auto& port : rule.ports) {
        if (port.name && perDestination) {
          addNamedEgressPort(peer, port, origin);
          continue;
        }
        auto range = resolvePort(port, &pod_);
        if (!range) continue;  // named port this pod does not define: the rule allows nothing here
        for (const auto& r : peer.ranges) addPort(r, *range, origin);
      }
    }
  }

  // The named port resolved on each destination pod, for that pod's addresses inside the peer.
  void addNamedEgressPort(const ResolvedPeer& peer, const PolicyPort& port, const std::string& origin) {
    for (const Pod* destination : peer.pods) {
      auto range = resolvePort(port, destination);
      if (!range) continue;
      for (const auto& ip : destination->ips) {
        bool inside = std::any_of(peer.ranges.begin(), peer.ranges.end(), [&](const AddressRange& r) { return r.contains(ip); });
        if (inside) addPort(singleAddress(ip), *range, origin);
      }
    }
  }

  void addPort(const AddressRange& r, const PortRange& range, const std::string& origin) {
    ports_[familyIndex(r.family())].push_back({r, range.protocol, range.first, range.last, {origin}});
  }

  const Cluster& cluster_;
  const Pod& pod_;
  Direction direction_;
  PeerMap& peers_;
  DirectionRules rules_;
  std::vector<AddressElement> anyPort_[2];
  std::vector<PortElement> ports_[2];
};

}  // namespace

int familyIndex(Family f) { return f == Family::V4 ? 0 : 1; }

namespace {
// Per-family arrays ([0] IPv4, [1] IPv6) compare element-wise.
template <typename T>
bool sameFamilies(const T (&a)[2], const T (&b)[2]) {
  return a[0] == b[0] && a[1] == b[1];
}
}  // namespace

bool TierRules::DenyRuleBoxes::operator==(const DenyRuleBoxes& o) const {
  return rule == o.rule && sameFamilies(drop, o.drop) && sameFamilies(dropOther, o.dropOther);
}

bool TierRules::operator==(const TierRules& o) const {
  return sameFamilies(accept, o.accept) && sameFamilies(drop, o.drop) && sameFamilies(acceptOther, o.acceptOther) &&
         sameFamilies(dropOther, o.dropOther) && denyRules == o.denyRules;
}

bool DirectionRules::operator==(const DirectionRules& o) const {
  return isolatingPolicies == o.isolatingPolicies && sameFamilies(anyPort, o.anyPort) && sameFamilies(ports, o.ports) &&
         admin == o.admin && baseline == o.baseline;
}

bool Ruleset::operator==(const Ruleset& o) const {
  return pod == o.pod && podIps == o.podIps && sameFamilies(nodeAddresses, o.nodeAddresses) && ingress == o.ingress &&
         egress == o.egress;
}

size_t DirectionRules::elementCount() const {
  size_t n = 0;
  for (int f = 0; f < 2; ++f) {
    n += anyPort[f].size() + ports[f].size();
    for (const TierRules* t : {&admin, &baseline})
      n += t->accept[f].size() + t->drop[f].size() + t->acceptOther[f].size() + t->dropOther[f].size();
  }
  return n;
}


// A tier's rules for one direction, by what they depend on (compileTier): the selecting policies and,
// for ingress, the subject's named ports.
using TierKey = std::tuple<std::vector<const ClusterNetworkPolicy*>, bool, std::string>;

struct RulesetCompiler::PeerCache {
  PeerMap peers;
  std::map<TierKey, TierRules> tiers;
};

namespace {

std::string namedPortsKey(const Pod& pod) {
  std::string out;
  for (const auto& p : pod.ports) out += p.name + '=' + std::to_string(p.number) + protocolName(p.protocol) + ';';
  return out;
}

}  // namespace

RulesetCompiler::RulesetCompiler(const Cluster& cluster, std::vector<IpAddress> localNodeAddresses)
    : cluster_(cluster), localNodeAddresses_(std::move(localNodeAddresses)), cache_(std::make_unique<PeerCache>()) {}
RulesetCompiler::~RulesetCompiler() = default;

Ruleset RulesetCompiler::compile(const Pod& pod, const Ruleset* networkPoliciesOf) {
  Ruleset rs;
  rs.pod = pod.id();
  rs.podIps = pod.ips;
  if (networkPoliciesOf) {
    for (int f = 0; f < 2; ++f) rs.nodeAddresses[f] = networkPoliciesOf->nodeAddresses[f];
    rs.ingress = networkPoliciesOf->ingress;
    rs.egress = networkPoliciesOf->egress;
    for (DirectionRules* d : {&rs.ingress, &rs.egress}) d->admin = d->baseline = TierRules{};  // compiled below
  } else {
    std::vector<AddressElement> node[2];
    for (const auto& ip : cluster_.nodeAddresses(pod.nodeName)) node[familyIndex(ip.family)].push_back({singleAddress(ip), {}});
    for (const auto& ip : localNodeAddresses_) node[familyIndex(ip.family)].push_back({singleAddress(ip), {}});
    for (int f = 0; f < 2; ++f)
      for (const auto& e : normalizeAddressElements(node[f])) rs.nodeAddresses[f].push_back(e.address);
    DirectionCompiler ingress(cluster_, pod, Direction::Ingress, cache_->peers);
    DirectionCompiler egress(cluster_, pod, Direction::Egress, cache_->peers);
    for (const auto& policy : cluster_.policies) {
      ingress.addPolicy(policy);
      egress.addPolicy(policy);
    }
    rs.ingress = ingress.finish();
    rs.egress = egress.finish();
  }
  // The tiers around the NetworkPolicies; Baseline only where no NetworkPolicy isolates (they always
  // decide the connections they isolate).
  auto tier = [&](const std::vector<const ClusterNetworkPolicy*>& policies, bool in) {
    TierKey key{policies, in, in ? namedPortsKey(pod) : ""};
    auto cached = cache_->tiers.find(key);
    if (cached == cache_->tiers.end()) cached = cache_->tiers.emplace(key, compileTier(cluster_, policies, in, pod)).first;
    return cached->second;
  };
  auto admin = tierPoliciesSelecting(cluster_, Tier::Admin, pod);
  auto baseline = tierPoliciesSelecting(cluster_, Tier::Baseline, pod);
  for (bool in : {true, false}) {
    DirectionRules& d = in ? rs.ingress : rs.egress;
    d.admin = tier(admin, in);
    if (!d.isolated()) d.baseline = tier(baseline, in);
  }
  return rs;
}

Ruleset compileRuleset(const Cluster& cluster, const Pod& pod) { return RulesetCompiler(cluster).compile(pod); }

}  // namespace netpol
