#pragma once
// Where along the destination ports of each protocol a verdict may change: the first port of every
// rule's port or range and the port after its last, and the container ports of the destination (named
// ports resolve to them). Between two cuts no rule changes its answer, so probing one port of each
// interval decides them all (`netpol diff`, the audit's reachability).
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "netpol/model.h"

namespace netpol {

// Destination ports [first, last] of one protocol.
struct PortInterval {
  Protocol protocol = Protocol::TCP;
  int32_t first = 1;
  int32_t last = 65535;
  std::string str() const;  // "tcp 80", "tcp 1-79"
};

struct PortCuts {
  std::set<int32_t> at[3];  // per Protocol
  void add(Protocol p, int32_t first, int32_t last);
  void merge(const PortCuts& o);
  // TCP, UDP and SCTP from port 1 to 65535, split at every cut.
  std::vector<PortInterval> intervals() const;
};

void addPortCuts(const Pod& pod, PortCuts& cuts);
void addRuleCuts(const std::vector<Rule>& rules, PortCuts& cuts);
void addRuleCuts(const std::vector<CnpRule>& rules, PortCuts& cuts);
// The cuts of the policies deciding one side of `pod`'s connections (NetworkPolicies and
// ClusterNetworkPolicies selecting it); for ingress also its container ports.
PortCuts sideCuts(const Cluster& cluster, const Pod& pod, bool ingress);

}  // namespace netpol
