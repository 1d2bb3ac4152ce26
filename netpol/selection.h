#pragma once
// Who a NetworkPolicy applies to and whom its peers and ports match: the selector and port semantics
// shared by the evaluator (matrix, explain) and the compiler (nftables sets).
#include <optional>
#include <vector>

#include "netpol/model.h"

namespace netpol {

// Policies apply to pod-network pods of their own namespace whose labels match spec.podSelector.
// hostNetwork pods share the node's namespace, so no NetworkPolicy applies to them.
bool policySelectsPod(const NetworkPolicy& policy, const Pod& pod);

// A pod that a podSelector/namespaceSelector peer can select: on the pod network and still running.
bool selectablePeer(const Pod& pod);

// The selector half of a peer: namespaceSelector unset = the policy's namespace, podSelector unset =
// every pod of the selected namespaces, both set = ANDed. Never true for an ipBlock peer.
bool peerSelectsPod(const Cluster& cluster, const NetworkPolicy& policy, const Peer& peer, const Pod& pod);

// ipBlock: inside cidr and outside every except.
bool ipBlockContains(const IPBlock& block, const IpAddress& ip);
// ipBlock as disjoint address ranges (cidr minus except; excepts outside the cidr remove nothing).
std::vector<AddressRange> ipBlockRanges(const IPBlock& block);

// Every pod a selector peer selects, in cluster order.
std::vector<const Pod*> podsSelectedByPeer(const Cluster& cluster, const NetworkPolicy& policy, const Peer& peer);

struct PortRange {
  Protocol protocol = Protocol::TCP;
  int32_t first = 0;
  int32_t last = 65535;
};

// A NetworkPolicyPort as a range of one protocol on the destination pod `destination`. A named port
// is looked up in the destination's container ports (same name and protocol) and resolves to nothing
// when that pod does not define it or when there is no destination pod (an address outside the
// cluster). A port without a number covers all ports of the protocol.
std::optional<PortRange> resolvePort(const PolicyPort& port, const Pod* destination);

}  // namespace netpol
