#pragma once
// One policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy, validated as the CRD's OpenAPI schema and
// CEL rules would (config/crd/experimental/policy.networking.k8s.io_clusternetworkpolicies.yaml): the
// test API server (1.20) ignores x-kubernetes-validations, so kguard applies them itself.
#include <nlohmann/json_fwd.hpp>

#include "kube/manifest.h"
#include "netpol/cluster_policy.h"

namespace netpol {

bool isClusterNetworkPolicy(const kube::Manifest& m);  // any apiVersion of policy.networking.k8s.io
// v1alpha1 AdminNetworkPolicy / BaselineAdminNetworkPolicy: refused rather than silently ignored.
bool isRetiredAdminPolicy(const kube::Manifest& m);

// Throws kube::DecodeError with the field path ("spec.egress[2].to[0].networks[1]"). Unknown fields
// are errors (the API server would prune them, which silently changes what the policy means);
// `domainNames` peers are refused as not supported.
ClusterNetworkPolicy decodeClusterNetworkPolicy(const nlohmann::json& object);

}  // namespace netpol
