#pragma once
// ClusterRole aggregation recomputed from the input, as kube-controller-manager's
// ClusterRoleAggregationController does (pkg/controller/clusterroleaggregation): an aggregated
// ClusterRole's rules become the rules of every other ClusterRole matched by any of its
// clusterRoleSelectors (selectors in order, matched roles sorted by name, semantically equal rules
// once). The controller reaches a fixed point over repeated syncs; this repeats passes in name order
// until nothing changes (at most one pass per ClusterRole plus one).
#include "rbac/policy.h"

namespace rbac {

// onlyEmpty: recompute only the aggregated ClusterRoles that have no stored rules (never aggregated).
Policy recomputeAggregation(Policy policy, bool onlyEmpty = false);

}  // namespace rbac
