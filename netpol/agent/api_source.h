#pragma once
// The agent's objects from the API server: Namespaces, Pods, Nodes, NetworkPolicies and, where the CRD
// is installed, ClusterNetworkPolicies (policy.networking.k8s.io/v1alpha2) kept current by one
// reflector each (LIST + WATCH). All pods of the cluster are watched, not only this node's:
// peers on other nodes decide what this node's pods may reach.
#include <chrono>
#include <memory>
#include <string>

#include "netpol/agent/event_loop.h"

namespace netpol::agent {

// `kubeconfig` empty = the in-cluster service account. Throws kube::InputError for an unusable
// configuration; returns once every collection has been listed (or throws after `syncTimeoutMs`).
// Without the ClusterNetworkPolicy CRD the agent works on the rest, logs that once, and asks the
// server's discovery again every `crdRecheck`; a CRD deleted later empties the collection.
std::unique_ptr<ClusterSource> makeApiSource(const std::string& kubeconfig, int syncTimeoutMs = 30000,
                                             std::chrono::milliseconds crdRecheck = std::chrono::seconds(30));

}  // namespace netpol::agent
