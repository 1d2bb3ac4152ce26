#pragma once
// What one pod's compiled ruleset is a function of, as plain comparable values. A NetworkPolicy only
// shapes the rulesets of the pods it selects (its own namespace, its podSelector), so a pod's ruleset
// depends on the policies selecting it plus the rest of the cluster the peers are resolved against
// (pods, their labels, IPs and named ports, namespaces and their labels, node addresses). When both
// are equal to what an installed ruleset was compiled from, compiling again would give the same
// ruleset: the agent skips it, and a policy change costs only the pods that policy selects.
#include <optional>
#include <string>
#include <vector>

#include "netpol/model.h"

namespace netpol::agent {

// Pods, namespaces and nodes as canonical text: equal text = equal peers for every policy.
std::string describeWorld(const Cluster& cluster);

// The policies selecting one pod, each as "name\ncanonical spec": NetworkPolicies ("namespace/name") in
// the cluster's order, ClusterNetworkPolicies in evaluation order (the order is part of the input:
// first match decides). Equal NetworkPolicy lists in an equal world give an equal NetworkPolicy part
// of the ruleset (RulesetCompiler::compile reuses it).
struct SelectingPolicies {
  std::vector<std::string> networkPolicies;
  std::vector<std::string> clusterPolicies;
  bool empty() const { return networkPolicies.empty() && clusterPolicies.empty(); }
  bool operator==(const SelectingPolicies& o) const {
    return networkPolicies == o.networkPolicies && clusterPolicies == o.clusterPolicies;
  }
  bool operator!=(const SelectingPolicies& o) const { return !(*this == o); }
};

// None when a selecting policy carries no canonical spec (built in code, not decoded): then nothing is
// known.
std::optional<SelectingPolicies> selectingPolicySpecs(const Cluster& cluster, const Pod& pod);

}  // namespace netpol::agent
