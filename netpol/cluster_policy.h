#pragma once
// The policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (CNP) model, as plain values: the admin and
// baseline tiers around namespace NetworkPolicies (kubernetes-sigs/network-policy-api
// apis/v1alpha2/clusternetworkpolicy_types.go; tests/conformance/cnp/SPEC.md paraphrases it).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kube/label_selector.h"
#include "netpol/ip.h"
#include "netpol/protocol.h"

namespace netpol {

// Admin rules come before every NetworkPolicy, Baseline rules after them.
enum class Tier { Admin, Baseline };
const char* tierName(Tier t);  // "Admin"

// Accept: decided, allowed. Deny: decided, dropped. Pass: skip the rest of this tier.
enum class CnpAction { Accept, Deny, Pass };
const char* actionName(CnpAction a);  // "Accept"

// `pods: {namespaceSelector, podSelector}`: both ANDed; namespaceSelector unset = every namespace.
struct CnpPodsSelector {
  kube::LabelSelector namespaceSelector;
  kube::LabelSelector podSelector;
};

// spec.subject: exactly one of namespaces (every pod of the selected namespaces) or pods.
struct CnpSubject {
  std::optional<kube::LabelSelector> namespaces;
  std::optional<CnpPodsSelector> pods;
};

// One element of from/to: exactly one kind. Namespaces and pods never match host-network pods; nodes
// match the addresses in the selected Node objects' status.addresses; networks match any address.
struct CnpPeer {
  enum class Kind { Namespaces, Pods, Nodes, Networks };
  Kind kind = Kind::Namespaces;
  kube::LabelSelector selector;  // Namespaces: the namespaces; Nodes: the nodes
  CnpPodsSelector pods;          // Pods
  std::vector<Cidr> networks;    // Networks
};

// One element of protocols: a protocol with a destination port range, or a named container port of
// the destination pod (any protocol; name, number and protocol must all match the container port).
struct CnpProtocol {
  std::optional<Protocol> protocol;  // unset for destinationNamedPort
  int32_t first = 1;                 // destinationPort number, or range start..end (inclusive)
  int32_t last = 65535;
  std::optional<std::string> namedPort;
};

struct CnpRule {
  std::string name;  // optional, <= 100 characters
  CnpAction action = CnpAction::Deny;
  std::vector<CnpPeer> peers;          // from (ingress) or to (egress); 1..25
  std::vector<CnpProtocol> protocols;  // empty = every protocol and port
};

struct ClusterNetworkPolicy {
  std::string name;  // cluster-scoped: no namespace
  Tier tier = Tier::Admin;
  int32_t priority = 0;  // 0..1000, lower first within a tier
  CnpSubject subject;
  std::vector<CnpRule> ingress;
  std::vector<CnpRule> egress;
  size_t manifestIndex = 0;  // position in the input, for lint and messages
  // spec as canonical JSON (sorted keys), as NetworkPolicy::canonicalSpec: what the agent compares to
  // skip pods whose selecting policies did not change.
  std::string canonicalSpec;
};

// Evaluation order: Admin before Baseline, lower priority first. Equal priorities are undefined
// upstream ("the implementation can apply any of the matching policies"); kguard orders them by name,
// so that the result does not depend on the order of the input files.
bool evaluatedBefore(const ClusterNetworkPolicy& a, const ClusterNetworkPolicy& b);

}  // namespace netpol
