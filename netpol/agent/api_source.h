#pragma once
// The agent's objects from the API server: Namespaces, Pods, Nodes and NetworkPolicies kept current by
// one reflector each (LIST + WATCH). All pods of the cluster are watched, not only this node's:
// peers on other nodes decide what this node's pods may reach.
#include <memory>
#include <string>

#include "netpol/agent/event_loop.h"

namespace netpol::agent {

// `kubeconfig` empty = the in-cluster service account. Throws kube::InputError for an unusable
// configuration; returns once every collection has been listed (or throws after `syncTimeoutMs`).
std::unique_ptr<ClusterSource> makeApiSource(const std::string& kubeconfig, int syncTimeoutMs = 30000);

}  // namespace netpol::agent
