#pragma once
// One entry of the check registry, shaped like upstream's policy.Check: an id, the level it belongs
// to, and the policy versions it changed at. Versions are data: each {minimumVersion, function}
// pair applies from its version up to the next entry's, so a new policy version is a new entry and a
// check function never compares versions itself.
#include <string>
#include <vector>

#include "kube/object_meta.h"
#include "kube/pod.h"
#include "podsecurity/check_result.h"
#include "podsecurity/level_version.h"

namespace podsecurity {

// A pure function of the pod; returns a CheckResult without id (the registry adds it).
using CheckFunction = CheckResult (*)(const kube::ObjectMeta& metadata, const kube::PodSpec& spec);

struct VersionedCheck {
  Version minimumVersion;
  CheckFunction function = nullptr;
  // Restricted checks only: baseline check ids this version replaces at the restricted level
  // (e.g. capabilities_restricted replaces capabilities_baseline), as upstream's OverrideCheckIDs.
  std::vector<std::string> overrides;
};

struct Check {
  std::string id;
  Level level = Level::Baseline;           // Baseline or Restricted
  std::vector<VersionedCheck> versions;    // strictly increasing minimumVersion, never "latest"
};

}  // namespace podsecurity
