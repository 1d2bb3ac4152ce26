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

}  // namespace

Verdict evaluateConnection(const Cluster& cluster, const Endpoint& from, const Endpoint& to, Protocol protocol,
                           int32_t port) {
  Verdict v;
  if (from.pod && !from.pod->hostNetwork) {
    v.egress.applies = true;
    for (const auto& policy : cluster.policies) {
      if (!policy.affectsEgress || !policySelectsPod(policy, *from.pod)) continue;
      v.egress.isolatingPolicies.push_back(policy.id());
      for (size_t i = 0; i < policy.egress.size(); ++i)
        if (ruleAllows(cluster, policy, policy.egress[i], to, to.pod, protocol, port))
          v.egress.allowingRules.push_back({policy.id(), i});
    }
  }
  if (to.pod && !to.pod->hostNetwork) {
    v.ingress.applies = true;
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
  }
  return v;
}

}  // namespace netpol
