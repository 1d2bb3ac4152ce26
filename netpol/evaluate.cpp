#include "netpol/evaluate.h"

#include <algorithm>

#include "netpol/port_cuts.h"
#include "netpol/selection.h"

namespace netpol {
namespace {

// A peer of a rule matches the other end of the connection.
bool peerMatches(const Cluster& cluster, const NetworkPolicy& policy, const Peer& peer, const Endpoint& other) {
  if (peer.ipBlock) return ipBlockContains(*peer.ipBlock, other.ip);
  return other.pod && peerSelectsPod(cluster, policy, peer, *other.pod);
}

bool portsMatch(const Rule& rule, const Pod* destination, Protocol protocol, int32_t port) {
  if (rule.ports.empty()) return true;
  for (const auto& p : rule.ports) {
    auto range = resolvePort(p, destination);
    if (range && range->protocol == protocol && port >= range->first && port <= range->last) return true;
  }
  return false;
}

bool ruleAllows(const Cluster& cluster, const NetworkPolicy& policy, const Rule& rule, const Endpoint& other,
                const Pod* destination, Protocol protocol, int32_t port) {
  if (!portsMatch(rule, destination, protocol, port)) return false;
  if (rule.peers.empty()) return true;
  return std::any_of(rule.peers.begin(), rule.peers.end(),
                     [&](const Peer& peer) { return peerMatches(cluster, policy, peer, other); });
}

// Admin Accept/Deny decide; Pass and no match go on to the next tier.
bool decisive(const std::optional<TierMatch>& m) { return m && m->action != CnpAction::Pass; }

// Some port the rule admits resolves on the destination (a named port it does not define admits nothing).
bool somePortMatches(const Rule& rule, const Pod& destination) {
  if (rule.ports.empty()) return true;
  return std::any_of(rule.ports.begin(), rule.ports.end(),
                     [&](const PolicyPort& p) { return resolvePort(p, &destination).has_value(); });
}

bool ruleAdmitsPod(const Cluster& cluster, const NetworkPolicy& policy, const Rule& rule, const Pod& other,
                   const Pod& destination) {
  if (!somePortMatches(rule, destination)) return false;
  if (rule.peers.empty()) return true;
  return std::any_of(rule.peers.begin(), rule.peers.end(), [&](const Peer& peer) {
    return !peer.ipBlock && peerSelectsPod(cluster, policy, peer, other);
  });
}

}  // namespace

Decider DirectionVerdict::decider() const {
  if (!applies) return Decider::NotApplicable;
  if (hairpin) return Decider::Hairpin;
  if (decisive(admin)) return Decider::Admin;
  if (isolated()) return Decider::NetworkPolicy;  // "v1.NetworkPolicy always makes a final decision"
  if (decisive(baseline)) return Decider::Baseline;
  return Decider::Default;
}

bool DirectionVerdict::allowed() const {
  switch (decider()) {
    case Decider::Admin: return admin->action == CnpAction::Accept;
    // NetworkPolicy is additive: isolated traffic is allowed when any rule of any policy allows it.
    case Decider::NetworkPolicy: return fromOwnNode || !allowingRules.empty();
    case Decider::Baseline: return baseline->action == CnpAction::Accept;
    default: return true;
  }
}

SelectingPolicies selectingPolicies(const Cluster& cluster, const Pod& pod) {
  SelectingPolicies out;
  if (pod.hostNetwork) return out;  // no NetworkPolicy applies to the node's network namespace
  for (const auto& policy : cluster.policies) {
    if (!policySelectsPod(policy, pod)) continue;
    if (policy.affectsIngress) out.ingress.push_back(&policy);
    if (policy.affectsEgress) out.egress.push_back(&policy);
  }
  return out;
}

namespace {

// Some rule of the policies isolating one side admits the peer on some port of the destination.
bool someRuleAdmits(const Cluster& cluster, const std::vector<const NetworkPolicy*>& isolating, bool ingress,
                    const Pod& peer, const Pod& destination) {
  for (const NetworkPolicy* policy : isolating)
    for (const auto& rule : ingress ? policy->ingress : policy->egress)
      if (ruleAdmitsPod(cluster, *policy, rule, peer, destination)) return true;
  return false;
}

// One side of a pod-to-pod connection at one destination port, by labels alone: the Admin tier, the
// NetworkPolicies isolating the side (additive), the Baseline tier, then allowed.
bool sideAllows(const Cluster& cluster, const Pod& subject, const std::vector<const NetworkPolicy*>& isolating,
                bool ingress, const Pod& peer, const Pod& destination, Protocol protocol, int32_t port) {
  if (subject.hostNetwork) return true;  // no policy of either kind applies to the node's network namespace
  auto admin = evaluateTierByLabels(cluster, Tier::Admin, ingress, subject, peer, protocol, port);
  if (decisive(admin)) return admin->action == CnpAction::Accept;
  if (!isolating.empty()) {
    for (const NetworkPolicy* policy : isolating)
      for (const auto& rule : ingress ? policy->ingress : policy->egress) {
        if (!portsMatch(rule, &destination, protocol, port)) continue;
        if (rule.peers.empty()) return true;
        for (const auto& p : rule.peers)
          if (!p.ipBlock && peerSelectsPod(cluster, *policy, p, peer)) return true;
      }
    return false;
  }
  auto baseline = evaluateTierByLabels(cluster, Tier::Baseline, ingress, subject, peer, protocol, port);
  return !decisive(baseline) || baseline->action == CnpAction::Accept;
}

}  // namespace

bool mayConnect(const Cluster& cluster, const Pod& from, const SelectingPolicies& fromPolicies, const Pod& to,
                const SelectingPolicies& toPolicies) {
  // Without ClusterNetworkPolicies, when one side is open the other decides alone: some rule of it
  // admitting the peer on a port the destination has.
  if (cluster.clusterPolicies.empty() && (fromPolicies.egress.empty() || toPolicies.ingress.empty()))
    return fromPolicies.egress.empty() ? toPolicies.ingress.empty() || someRuleAdmits(cluster, toPolicies.ingress, true, from, to)
                                       : someRuleAdmits(cluster, fromPolicies.egress, false, to, to);
  // Otherwise both sides must allow the same port: probe one port of each interval within which no
  // rule of either side changes its answer.
  PortCuts cuts;
  for (const NetworkPolicy* policy : fromPolicies.egress) addRuleCuts(policy->egress, cuts);
  for (const NetworkPolicy* policy : toPolicies.ingress) addRuleCuts(policy->ingress, cuts);
  for (const auto& cnp : cluster.clusterPolicies) {
    if (clusterPolicySelectsPod(cluster, cnp, from)) addRuleCuts(cnp.egress, cuts);
    if (clusterPolicySelectsPod(cluster, cnp, to)) addRuleCuts(cnp.ingress, cuts);
  }
  addPortCuts(to, cuts);
  for (const auto& ports : cuts.intervals())
    if (sideAllows(cluster, from, fromPolicies.egress, false, to, to, ports.protocol, ports.first) &&
        sideAllows(cluster, to, toPolicies.ingress, true, from, to, ports.protocol, ports.first))
      return true;
  return false;
}

bool mayConnect(const Cluster& cluster, const Pod& from, const Pod& to) {
  return mayConnect(cluster, from, selectingPolicies(cluster, from), to, selectingPolicies(cluster, to));
}

Verdict evaluateConnection(const Cluster& cluster, const Endpoint& from, const Endpoint& to, Protocol protocol,
                           int32_t port) {
  Verdict v;
  // Hairpin: a pod reaching its own IP is decided by no policy (DirectionVerdict::hairpin); for
  // ClusterNetworkPolicy the API says so too (SPEC.md section 3).
  if (from.pod && from.pod == to.pod && !from.pod->hostNetwork) {
    v.egress.applies = v.ingress.applies = true;
    v.egress.hairpin = v.ingress.hairpin = true;
    return v;
  }
  if (from.pod && !from.pod->hostNetwork) {
    v.egress.applies = true;
    v.egress.admin = evaluateTier(cluster, Tier::Admin, false, *from.pod, to.pod, to.ip, protocol, port);
    for (const auto& policy : cluster.policies) {
      if (!policy.affectsEgress || !policySelectsPod(policy, *from.pod)) continue;
      v.egress.isolatingPolicies.push_back(policy.id());
      for (size_t i = 0; i < policy.egress.size(); ++i)
        if (ruleAllows(cluster, policy, policy.egress[i], to, to.pod, protocol, port))
          v.egress.allowingRules.push_back({policy.id(), i});
    }
    if (!decisive(v.egress.admin) && !v.egress.isolated())
      v.egress.baseline = evaluateTier(cluster, Tier::Baseline, false, *from.pod, to.pod, to.ip, protocol, port);
  }
  if (to.pod && !to.pod->hostNetwork) {
    v.ingress.applies = true;
    v.ingress.admin = evaluateTier(cluster, Tier::Admin, true, *to.pod, from.pod, from.ip, protocol, port);
    for (const auto& policy : cluster.policies) {
      if (!policy.affectsIngress || !policySelectsPod(policy, *to.pod)) continue;
      v.ingress.isolatingPolicies.push_back(policy.id());
      for (size_t i = 0; i < policy.ingress.size(); ++i)
        if (ruleAllows(cluster, policy, policy.ingress[i], from, to.pod, protocol, port))
          v.ingress.allowingRules.push_back({policy.id(), i});
    }
    // "When a pod is isolated for ingress, the only allowed connections into the pod are those from
    // the pod's node and those allowed by the ingress list" (Kubernetes NetworkPolicy docs).
    auto node = cluster.nodeAddresses(to.pod->nodeName);
    v.ingress.fromOwnNode = std::find(node.begin(), node.end(), from.ip) != node.end();
    if (!decisive(v.ingress.admin) && !v.ingress.isolated())
      v.ingress.baseline = evaluateTier(cluster, Tier::Baseline, true, *to.pod, from.pod, from.ip, protocol, port);
  }
  return v;
}

}  // namespace netpol
