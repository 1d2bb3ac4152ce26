#pragma once
// Where in a pod a Pod Security failure is: the evaluator judges a decoded pod and words its verdict as
// upstream does, without field paths; lint and audit read the same typed pod to point editors and SARIF
// at the offending field (`hostNetwork: true`, the container's securityContext).
// The verdict always comes from the engine; this only chooses the line, for a check the pod failed.
#include <string>

#include "kube/pod.h"
#include "podsecurity/level_version.h"

namespace podsecurity {

// The path, relative to the pod object (`metadata` + `spec`), of the first field that makes check `id`
// fail at policy `version`, or of the nearest existing parent where a missing field belongs; "" when none
// is found.
std::string failedField(const std::string& id, const kube::PodTemplate& pod,
                        const Version& version = Version::latest());

// A note on values that look right but are not, e.g. `drop: [all]` (capability names are case-sensitive);
// "" when there is nothing to add.
std::string failureHint(const std::string& id, const kube::PodTemplate& pod);

}  // namespace podsecurity
