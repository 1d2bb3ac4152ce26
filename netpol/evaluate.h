#pragma once
// Whether one connection is allowed, and why: the reference semantics behind `matrix` and `explain`.
// A connection needs both the egress side of its source and the ingress side of its destination. Each
// side walks the tiers: Admin ClusterNetworkPolicies, then NetworkPolicies, then Baseline
// ClusterNetworkPolicies, then the default (allowed).
#include <optional>
#include <string>
#include <vector>

#include "netpol/cluster_policy_evaluate.h"
#include "netpol/model.h"

namespace netpol {

// One end of a connection: a pod of the cluster (pod set) or an outside address (pod null).
struct Endpoint {
  const Pod* pod = nullptr;
  IpAddress ip;
};

struct RuleRef {
  std::string policy;  // namespace/name
  size_t index = 0;    // position in spec.ingress or spec.egress
};

// Which tier decided one side of a connection.
enum class Decider { NotApplicable, Hairpin, Admin, NetworkPolicy, Baseline, Default };

struct DirectionVerdict {
  bool applies = false;                        // false for outside addresses and hostNetwork pods
  // A pod reaching its own address: the packets never leave its network namespace (the kernel routes a
  // local address over lo), so no policy filters them - the agent accepts lo, and upstream's e2e
  // ignores loopback ("loopback logic follows no policy", test/e2e/network/netpol, kubernetes#95879).
  bool hairpin = false;
  std::optional<TierMatch> admin;              // the first matching Admin rule (a Pass included)
  std::vector<std::string> isolatingPolicies;  // policies selecting the pod for this direction
  std::vector<RuleRef> allowingRules;          // rules that admit the connection
  bool fromOwnNode = false;                    // ingress from the pod's node (kubelet probes)
  std::optional<TierMatch> baseline;           // evaluated only when the Admin and NetworkPolicy tiers did not decide

  bool isolated() const { return !isolatingPolicies.empty(); }
  Decider decider() const;
  bool allowed() const;
};

struct Verdict {
  DirectionVerdict egress;   // of the source
  DirectionVerdict ingress;  // of the destination
  bool allowed() const { return egress.allowed() && ingress.allowed(); }
};

Verdict evaluateConnection(const Cluster& cluster, const Endpoint& from, const Endpoint& to, Protocol protocol,
                           int32_t port);

// Whether `from` may open some connection to another pod `to`: some protocol and destination port that
// both its egress side and the destination's ingress side allow, each side walking the tiers as
// evaluateConnection does (Admin ClusterNetworkPolicies, NetworkPolicies, Baseline, default allow).
// Judged from selectors alone: pods need no addresses (an export of a cluster, pods not yet scheduled,
// workload templates), so ipBlock peers, which the NetworkPolicy docs leave implementations free to
// apply or not to pod traffic, and a ClusterNetworkPolicy's `networks` and `nodes` peers match no pod
// here. The two ends are distinct pods (a pod's traffic to itself is not judged), possibly of equal labels.
bool mayConnect(const Cluster& cluster, const Pod& from, const Pod& to);

// The policies that select a pod, per direction: what mayConnect looks up for each end, computed once
// by callers that ask about the same pod many times (the audit's namespace-to-namespace matrix).
struct SelectingPolicies {
  std::vector<const NetworkPolicy*> ingress, egress;
};
SelectingPolicies selectingPolicies(const Cluster& cluster, const Pod& pod);
bool mayConnect(const Cluster& cluster, const Pod& from, const SelectingPolicies& fromPolicies, const Pod& to,
                const SelectingPolicies& toPolicies);

}  // namespace netpol
