#pragma once
// Which ClusterNetworkPolicy rule of one tier decides one direction of a connection (SPEC.md section 3):
// the tier's policies selecting the pod in evaluation order, each one's rules of that direction in list
// order; the first rule whose peer and protocol both match decides (Accept, Deny or Pass).
#include <optional>
#include <string>
#include <vector>

#include "netpol/model.h"

namespace netpol {

struct TierMatch {
  Tier tier = Tier::Admin;
  std::string policy;  // metadata.name
  int32_t priority = 0;
  bool ingress = true;  // spec.ingress or spec.egress
  size_t index = 0;     // position in that list
  std::string ruleName;
  CnpAction action = CnpAction::Deny;

  // `Admin ClusterNetworkPolicy "deny-all" (priority 5) egress[0] "deny-egress": Deny`
  std::string describe() const;
};

// spec.subject selects the pod: pod-network pods only (host-network pods are never subjects).
bool clusterPolicySelectsPod(const Cluster& cluster, const ClusterNetworkPolicy& policy, const Pod& pod);

// The deciding rule of `tier` for the `subject` pod's ingress (peer = the source) or egress (peer = the
// destination). `peerPod` is the pod behind `peerIp`, if any (host-network pods included: they match
// only `nodes` and `networks` peers). Named ports resolve against the destination pod: the subject for
// ingress, the peer for egress. nullopt when no rule of the tier matches.
std::optional<TierMatch> evaluateTier(const Cluster& cluster, Tier tier, bool ingress, const Pod& subject,
                                      const Pod* peerPod, const IpAddress& peerIp, Protocol protocol, int32_t port);

// The same for a peer pod judged by its labels alone (no address): `nodes` and `networks` peers never
// match it, as ipBlock peers match no pod in mayConnect (evaluate.h).
std::optional<TierMatch> evaluateTierByLabels(const Cluster& cluster, Tier tier, bool ingress, const Pod& subject,
                                              const Pod& peer, Protocol protocol, int32_t port);

// The other ClusterNetworkPolicies of `match`'s tier that select `subject` at `match`'s priority, by name.
// Upstream leaves the order of equal priorities undefined; kguard orders them by name (evaluatedBefore),
// so when this is not empty, that order took part in the decision.
std::vector<std::string> equalPriorityPolicies(const Cluster& cluster, const TierMatch& match, const Pod& subject);

}  // namespace netpol
