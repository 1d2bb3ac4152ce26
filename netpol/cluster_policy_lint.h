#pragma once
// ClusterNetworkPolicy lint: rules that can never decide anything, as warnings for `kguard lint`
// (called by lintNetworkPolicies, which owns the input's pods and namespaces). Check ids:
//   cnp.invalid                the CRD's schema or CEL rules would reject it (severity Error)
//   cnp.ruleShadowed           an earlier rule of the same tier (same policy, or a policy evaluated
//                              before it whose subject covers this one's) matches all of its traffic first
//   cnp.subjectMatchesNothing  spec.subject selects no pod of the input (only with pods)
//   cnp.peersMatchNothing      every peer of a rule is a namespaces/pods selector that selects no pod
//                              of the input (only with pods): the rule never matches
//   cnp.priorityTie            another policy of the same tier has the same priority and a subject that
//                              overlaps: upstream leaves their order undefined (kguard: by name)
#include <string>
#include <utility>
#include <vector>

#include "findings/finding.h"
#include "kube/manifest.h"
#include "netpol/model.h"

namespace netpol {

// "x/a, x/b, x/c and 2 more": the pods a lint message names (netpol.* and cnp.* checks).
std::string podList(const std::vector<const Pod*>& pods);

// `cluster`: the input's pods (pod templates included) and namespaces, decoded leniently.
void lintClusterNetworkPolicies(const std::vector<kube::Manifest>& manifests, const Cluster& cluster,
                                std::vector<std::pair<size_t, findings::Finding>>& out);

}  // namespace netpol
