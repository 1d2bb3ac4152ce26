#include "netpol/selection.h"

namespace netpol {

bool policySelectsPod(const NetworkPolicy& policy, const Pod& pod) {
  return !pod.hostNetwork && pod.namespace_ == policy.namespace_ && policy.podSelector.matches(pod.labels);
}

bool selectablePeer(const Pod& pod) { return !pod.hostNetwork && !pod.terminated; }

bool peerSelectsPod(const Cluster& cluster, const NetworkPolicy& policy, const Peer& peer, const Pod& pod) {
  if (peer.ipBlock || !selectablePeer(pod)) return false;
  if (peer.namespaceSelector) {
    const Namespace* ns = cluster.findNamespace(pod.namespace_);
    if (!ns || !peer.namespaceSelector->matches(ns->labels)) return false;
  } else if (pod.namespace_ != policy.namespace_) {
    return false;
  }
  return !peer.podSelector || peer.podSelector->matches(pod.labels);
}

bool ipBlockContains(const IPBlock& block, const IpAddress& ip) {
  if (!block.cidr.contains(ip)) return false;
  for (const auto& e : block.except)
    if (e.contains(ip)) return false;
  return true;
}

std::vector<AddressRange> ipBlockRanges(const IPBlock& block) {
  std::vector<AddressRange> holes;
  for (const auto& e : block.except) holes.push_back(e.range());
  return subtractRanges(block.cidr.range(), holes);
}

std::vector<const Pod*> podsSelectedByPeer(const Cluster& cluster, const NetworkPolicy& policy, const Peer& peer) {
  std::vector<const Pod*> out;
  for (const auto& pod : cluster.pods)
    if (peerSelectsPod(cluster, policy, peer, pod)) out.push_back(&pod);
  return out;
}

std::optional<PortRange> resolvePort(const PolicyPort& port, const Pod* destination) {
  if (port.number) return PortRange{port.protocol, *port.number, port.endPort.value_or(*port.number)};
  if (!port.name) return PortRange{port.protocol, 0, 65535};
  if (!destination) return std::nullopt;
  for (const auto& p : destination->ports)
    if (p.name == *port.name && p.protocol == port.protocol) return PortRange{port.protocol, p.number, p.number};
  return std::nullopt;
}

}  // namespace netpol
