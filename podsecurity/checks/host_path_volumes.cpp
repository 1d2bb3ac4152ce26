// Pod Security Standards, baseline, "HostPath Volumes":
//   HostPath volumes must be forbidden.
//   Restricted fields: spec.volumes[*].hostPath
//   Allowed values: undefined/nil
// Mirrors upstream policy/check_hostPathVolumes.go (replaced at the restricted level by
// restrictedVolumes, which forbids hostPath too).
#include <algorithm>

#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

CheckResult hostPathVolumesV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  NameList hostVolumes;
  for (const auto& v : spec.volumes) {
    if (std::find(v.sources.begin(), v.sources.end(), "hostPath") != v.sources.end()) hostVolumes.push_back(v.name);
  }
  if (hostVolumes.empty()) return allow();
  return deny("hostPath volumes",
              concat(pluralize("volume", "volumes", hostVolumes.size()), " ", quoted(hostVolumes)));
}

}  // namespace

Check hostPathVolumesCheck() {
  return {"hostPathVolumes", Level::Baseline, {{Version::v1(0), hostPathVolumesV1_0, {}}}};
}

}  // namespace podsecurity::checks
