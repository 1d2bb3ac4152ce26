#pragma once
// Whether one connection is allowed, and why: the reference semantics behind `matrix` and `explain`.
// A connection needs both the egress side of its source and the ingress side of its destination.
#include <string>
#include <vector>

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

struct DirectionVerdict {
  bool applies = false;                        // false for outside addresses and hostNetwork pods
  std::vector<std::string> isolatingPolicies;  // policies selecting the pod for this direction
  std::vector<RuleRef> allowingRules;          // rules that admit the connection
  bool fromOwnNode = false;                    // ingress from the pod's node (kubelet probes)

  bool isolated() const { return !isolatingPolicies.empty(); }
  // NetworkPolicy is additive: isolated traffic is allowed when any rule of any policy allows it.
  bool allowed() const { return !isolated() || fromOwnNode || !allowingRules.empty(); }
};

struct Verdict {
  DirectionVerdict egress;   // of the source
  DirectionVerdict ingress;  // of the destination
  bool allowed() const { return egress.allowed() && ingress.allowed(); }
};

Verdict evaluateConnection(const Cluster& cluster, const Endpoint& from, const Endpoint& to, Protocol protocol,
                           int32_t port);

}  // namespace netpol
