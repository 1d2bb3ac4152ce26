#pragma once
// Manifests -> the netpol Cluster: Namespaces, Pods, Nodes and NetworkPolicies; every other kind is
// ignored. A later object with the same kind, namespace and name replaces an earlier one, so that a
// step's setup file can relabel an object of the base model.
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/manifest.h"
#include "netpol/model.h"

namespace netpol {

// One networking.k8s.io/v1 NetworkPolicy, validated as the API server would. Throws kube::DecodeError
// with the field path ("spec.ingress[0].from[1].ipBlock.cidr").
NetworkPolicy decodeNetworkPolicy(const nlohmann::json& object);

bool isNetworkPolicy(const kube::Manifest& m);

// Throws kube::InputError naming file, document, line and field.
Cluster decodeCluster(const std::vector<kube::Manifest>& manifests);

}  // namespace netpol
