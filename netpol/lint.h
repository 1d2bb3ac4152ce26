#pragma once
// NetworkPolicy lint: valid-but-suspicious policies, as warnings for `kguard lint`.
#include <utility>
#include <vector>

#include "kube/manifest.h"
#include "findings/finding.h"

namespace netpol {

// Findings per NetworkPolicy, paired with the index of its manifest in `manifests`. Check ids:
//   netpol.invalid                 the API server would reject it (severity Error)
//   netpol.cidrHostBits            ipBlock cidr/except with host bits set (10.244.1.10/4 is 0.0.0.0/4)
//   netpol.exceptOutsideCidr       except not strictly inside its cidr (it excludes nothing, or all)
//   netpol.namedPortUndefined      a named port that no pod it would apply to defines
//   netpol.podSelectorMatchesNothing  spec.podSelector selects no pod of the input (only with pods)
//   netpol.podSelectorMatchesOnlyHostNetwork  it selects only hostNetwork pods, which no policy isolates
//   netpol.ipBlockCoversPods       ipBlock containing pod IPs: implementations disagree on whether
//                                  ipBlock matches pod-to-pod traffic
// and the ClusterNetworkPolicy checks (cnp.*) of cluster_policy_lint.h.
std::vector<std::pair<size_t, findings::Finding>> lintNetworkPolicies(const std::vector<kube::Manifest>& manifests);

}  // namespace netpol
