#include "netpol/evaluate.h"

#include <algorithm>

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

bool mayConnect(const Cluster& cluster, const Pod& from, const SelectingPolicies& fromPolicies, const Pod& to,
                const SelectingPolicies& toPolicies) {
  // Egress: isolated by any selecting policy, allowed by any rule of one (NetworkPolicy is additive).
  if (!fromPolicies.egress.empty()) {
    bool allowed = false;
    for (const NetworkPolicy* policy : fromPolicies.egress)
      for (const auto& rule : policy->egress) allowed = allowed || ruleAdmitsPod(cluster, *policy, rule, to, to);
    if (!allowed) return false;
  }
  if (toPolicies.ingress.empty()) return true;
  for (const NetworkPolicy* policy : toPolicies.ingress)
    for (const auto& rule : policy->ingress)
      if (ruleAdmitsPod(cluster, *policy, rule, from, to)) return true;
  return false;
}

bool mayConnect(const Cluster& cluster, const Pod& from, const Pod& to) {
  return mayConnect(cluster, from, selectingPolicies(cluster, from), to, selectingPolicies(cluster, to));
}

Verdict evaluateConnection(const Cluster& cluster, const Endpoint& from, const Endpoint& to, Protocol protocol,
                           int32_t port) {
  Verdict v;
  // Hairpin: a pod reaching its own IP is exempt from ClusterNetworkPolicy (SPEC.md section 3).
  const bool hairpin = from.pod && from.pod == to.pod;
  if (from.pod && !from.pod->hostNetwork) {
    v.egress.applies = true;
    if (!hairpin) v.egress.admin = evaluateTier(cluster, Tier::Admin, false, *from.pod, to.pod, to.ip, protocol, port);
    for (const auto& policy : cluster.policies) {
      if (!policy.affectsEgress || !policySelectsPod(policy, *from.pod)) continue;
      v.egress.isolatingPolicies.push_back(policy.id());
      for (size_t i = 0; i < policy.egress.size(); ++i)
        if (ruleAllows(cluster, policy, policy.egress[i], to, to.pod, protocol, port))
          v.egress.allowingRules.push_back({policy.id(), i});
    }
    if (!hairpin && !decisive(v.egress.admin) && !v.egress.isolated())
      v.egress.baseline = evaluateTier(cluster, Tier::Baseline, false, *from.pod, to.pod, to.ip, protocol, port);
  }
  if (to.pod && !to.pod->hostNetwork) {
    v.ingress.applies = true;
    if (!hairpin) v.ingress.admin = evaluateTier(cluster, Tier::Admin, true, *to.pod, from.pod, from.ip, protocol, port);
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
    if (!hairpin && !decisive(v.ingress.admin) && !v.ingress.isolated())
      v.ingress.baseline = evaluateTier(cluster, Tier::Baseline, true, *to.pod, from.pod, from.ip, protocol, port);
  }
  return v;
}

}  // namespace netpol
