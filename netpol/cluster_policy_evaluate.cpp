#include "netpol/cluster_policy_evaluate.h"

#include <algorithm>

#include "netpol/selection.h"

namespace netpol {
namespace {

bool namespaceMatches(const Cluster& cluster, const kube::LabelSelector& selector, const Pod& pod) {
  const Namespace* ns = cluster.findNamespace(pod.namespace_);
  return ns && selector.matches(ns->labels);
}

bool podsMatch(const Cluster& cluster, const CnpPodsSelector& s, const Pod& pod) {
  return namespaceMatches(cluster, s.namespaceSelector, pod) && s.podSelector.matches(pod.labels);
}

bool nodeOwnsAddress(const Cluster& cluster, const kube::LabelSelector& selector, const IpAddress& ip) {
  return std::any_of(cluster.nodes.begin(), cluster.nodes.end(), [&](const Node& node) {
    return selector.matches(node.labels) &&
           std::find(node.addresses.begin(), node.addresses.end(), ip) != node.addresses.end();
  });
}

// peerIp null: a pod judged by its labels alone, which no nodes or networks peer matches.
bool peerMatches(const Cluster& cluster, const CnpPeer& peer, const Pod* peerPod, const IpAddress* peerIp) {
  switch (peer.kind) {
    case CnpPeer::Kind::Namespaces:
      return peerPod && selectablePeer(*peerPod) && namespaceMatches(cluster, peer.selector, *peerPod);
    case CnpPeer::Kind::Pods:
      return peerPod && selectablePeer(*peerPod) && podsMatch(cluster, peer.pods, *peerPod);
    case CnpPeer::Kind::Nodes:
      return peerIp && nodeOwnsAddress(cluster, peer.selector, *peerIp);
    case CnpPeer::Kind::Networks:
      return std::any_of(peer.networks.begin(), peer.networks.end(), [&](const Cidr& c) { return peerIp && c.contains(*peerIp); });
  }
  return false;
}

// destinationNamedPort names a ContainerPort without a protocol (v1alpha2), so unlike NetworkPolicy's
// FindPort-style first match (resolvePort) every container port of that name matches (netpol/README.md).
bool protocolMatches(const CnpProtocol& p, const Pod* destination, Protocol protocol, int32_t port) {
  if (!p.namedPort) return p.protocol == protocol && port >= p.first && port <= p.last;
  if (!destination) return false;
  return std::any_of(destination->ports.begin(), destination->ports.end(), [&](const NamedPort& np) {
    return np.name == *p.namedPort && np.protocol == protocol && np.number == port;
  });
}

bool ruleMatches(const Cluster& cluster, const CnpRule& rule, const Pod* peerPod, const IpAddress* peerIp,
                 const Pod* destination, Protocol protocol, int32_t port) {
  bool protocols = rule.protocols.empty() ||
                   std::any_of(rule.protocols.begin(), rule.protocols.end(), [&](const CnpProtocol& p) {
                     return protocolMatches(p, destination, protocol, port);
                   });
  return protocols && std::any_of(rule.peers.begin(), rule.peers.end(),
                                  [&](const CnpPeer& peer) { return peerMatches(cluster, peer, peerPod, peerIp); });
}

}  // namespace

std::string TierMatch::describe() const {
  std::string out = std::string(tierName(tier)) + " ClusterNetworkPolicy \"" + policy + "\" (priority " +
                    std::to_string(priority) + ") " + (ingress ? "ingress[" : "egress[") + std::to_string(index) + "]";
  if (!ruleName.empty()) out += " \"" + ruleName + "\"";
  return out + ": " + actionName(action);
}

bool clusterPolicySelectsPod(const Cluster& cluster, const ClusterNetworkPolicy& policy, const Pod& pod) {
  if (pod.hostNetwork) return false;
  if (policy.subject.namespaces) return namespaceMatches(cluster, *policy.subject.namespaces, pod);
  return policy.subject.pods && podsMatch(cluster, *policy.subject.pods, pod);
}

namespace {

std::optional<TierMatch> firstMatch(const Cluster& cluster, Tier tier, bool ingress, const Pod& subject,
                                    const Pod* peerPod, const IpAddress* peerIp, Protocol protocol, int32_t port) {
  const Pod* destination = ingress ? &subject : peerPod;
  for (const auto& policy : cluster.clusterPolicies) {
    if (policy.tier != tier || !clusterPolicySelectsPod(cluster, policy, subject)) continue;
    const auto& rules = ingress ? policy.ingress : policy.egress;
    for (size_t i = 0; i < rules.size(); ++i)
      if (ruleMatches(cluster, rules[i], peerPod, peerIp, destination, protocol, port))
        return TierMatch{tier, policy.name, policy.priority, ingress, i, rules[i].name, rules[i].action};
  }
  return std::nullopt;
}

}  // namespace

std::optional<TierMatch> evaluateTier(const Cluster& cluster, Tier tier, bool ingress, const Pod& subject,
                                      const Pod* peerPod, const IpAddress& peerIp, Protocol protocol, int32_t port) {
  return firstMatch(cluster, tier, ingress, subject, peerPod, &peerIp, protocol, port);
}

std::vector<std::string> equalPriorityPolicies(const Cluster& cluster, const TierMatch& match, const Pod& subject) {
  std::vector<std::string> out;
  for (const auto& policy : cluster.clusterPolicies)
    if (policy.tier == match.tier && policy.priority == match.priority && policy.name != match.policy &&
        clusterPolicySelectsPod(cluster, policy, subject))
      out.push_back(policy.name);
  return out;
}

std::optional<TierMatch> evaluateTierByLabels(const Cluster& cluster, Tier tier, bool ingress, const Pod& subject,
                                              const Pod& peer, Protocol protocol, int32_t port) {
  return firstMatch(cluster, tier, ingress, subject, &peer, nullptr, protocol, port);
}

}  // namespace netpol
