#pragma once
// Whether one ClusterNetworkPolicy rule or subject matches everything another does, decided from the
// objects alone (no pods needed). Sound, not complete: `true` is certain, `false` may be a miss.
#include "netpol/cluster_policy.h"

namespace netpol {

// a ⊇ b for label selectors: every label set b matches, a matches too (every operator; an empty a covers all).
bool selectorCovers(const kube::LabelSelector& a, const kube::LabelSelector& b);
bool subjectCovers(const CnpSubject& a, const CnpSubject& b);
// Every connection rule b matches (peers and protocols), rule a matches too.
bool ruleCovers(const CnpRule& a, const CnpRule& b);

}  // namespace netpol
