#pragma once
// The networking.k8s.io/v1 NetworkPolicy model and the pods/namespaces it is evaluated against, as
// plain values. Field comments quote the API semantics each one carries.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kube/label_selector.h"
#include "kube/object_meta.h"
#include "netpol/cluster_policy.h"
#include "netpol/ip.h"
#include "netpol/protocol.h"

namespace netpol {

// NetworkPolicyPort. `port` unset = every port of `protocol`. A named port is resolved per
// destination pod from its container ports (same name and protocol).
struct PolicyPort {
  Protocol protocol = Protocol::TCP;  // defaults to TCP
  std::optional<int32_t> number;
  std::optional<std::string> name;
  std::optional<int32_t> endPort;  // range number..endPort, only with a numeric port
};

struct IPBlock {
  Cidr cidr;
  std::vector<Cidr> except;
  std::string cidrText;  // as written, for messages
};

// NetworkPolicyPeer: podSelector and namespaceSelector together are ANDed; ipBlock stands alone.
struct Peer {
  std::optional<kube::LabelSelector> podSelector;        // unset with namespaceSelector = all pods
  std::optional<kube::LabelSelector> namespaceSelector;  // unset = the policy's own namespace
  std::optional<IPBlock> ipBlock;
};

// One ingress or egress rule. Empty `peers` (missing or []) = every source/destination; empty `ports`
// = every port and protocol.
struct Rule {
  std::vector<Peer> peers;
  std::vector<PolicyPort> ports;
};

struct NetworkPolicy {
  std::string namespace_;
  std::string name;
  kube::LabelSelector podSelector;  // {} = every pod of the namespace
  std::vector<Rule> ingress;
  std::vector<Rule> egress;
  // policyTypes, defaulted as the API server does: Ingress always, Egress when `egress` has rules.
  bool affectsIngress = true;
  bool affectsEgress = false;
  size_t manifestIndex = 0;  // position in the input, for lint and messages
  // spec as canonical JSON (sorted keys): two policies with the same id and text compile the same,
  // which lets the agent skip pods whose selecting policies did not change.
  std::string canonicalSpec;

  std::string id() const { return namespace_ + "/" + name; }
};

struct Namespace {
  std::string name;
  kube::StringMap labels;
};

struct NamedPort {
  std::string name;
  int32_t number = 0;
  Protocol protocol = Protocol::TCP;
};

struct Pod {
  std::string namespace_;
  std::string name;
  kube::StringMap labels;
  std::string nodeName;
  bool hostNetwork = false;
  bool terminated = false;             // status.phase Succeeded/Failed: its IPs may belong to others
  std::vector<IpAddress> ips;          // status.podIPs (or status.podIP), deduplicated
  std::vector<IpAddress> hostIPs;      // status.hostIPs / hostIP: the node's addresses
  std::vector<NamedPort> ports;        // every container's ports, for named-port resolution

  std::string id() const { return namespace_ + "/" + name; }
  std::optional<IpAddress> firstIp(Family f) const;
};

struct Node {
  std::string name;
  kube::StringMap labels;
  std::vector<IpAddress> addresses;  // status.addresses of type InternalIP and ExternalIP
};

// Everything the compiler knows: pods sorted by NAMESPACE/NAME, namespaces by name, policies in input
// order, ClusterNetworkPolicies in evaluation order. Namespaces referenced by pods but absent from the
// input get their automatic kubernetes.io/metadata.name label.
struct Cluster {
  std::vector<Namespace> namespaces;
  std::vector<Pod> pods;
  std::vector<NetworkPolicy> policies;
  std::vector<ClusterNetworkPolicy> clusterPolicies;  // in evaluation order (evaluatedBefore)
  std::vector<Node> nodes;

  const Namespace* findNamespace(const std::string& name) const;
  const Pod* findPod(const std::string& namespace_, const std::string& name) const;
  const Pod* podWithIp(const IpAddress& ip) const;  // a pod-network pod owning ip, if any
  // The addresses of the node `nodeName` (Node objects and hostIPs of pods on it).
  std::vector<IpAddress> nodeAddresses(const std::string& nodeName) const;
};

}  // namespace netpol
