// Pod Security Standards, baseline, "Capabilities":
//   Adding additional capabilities beyond those listed below must be disallowed.
//   Restricted fields: spec.containers[*].securityContext.capabilities.add, spec.initContainers[*]...,
//     spec.ephemeralContainers[*]...
//   Allowed values: undefined/nil, AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,
//     NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT
// Mirrors upstream policy/check_capabilities_baseline.go (replaced at the restricted level from
// v1.22 by capabilities_restricted).
#include <algorithm>
#include <array>
#include <string_view>

#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

constexpr std::array<std::string_view, 13> kAllowedV1_0 = {
    "AUDIT_WRITE", "CHOWN",  "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",       "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
};

bool allowedV1_0(const std::string& capability) {
  return std::find(kAllowedV1_0.begin(), kAllowedV1_0.end(), capability) != kAllowedV1_0.end();
}

CheckResult capabilitiesBaselineV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  NameList badContainers;
  SortedSet<std::string_view> nonDefault;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (!c.securityContext || !c.securityContext->capabilities) return;
    bool valid = true;
    for (const auto& cap : c.securityContext->capabilities->add) {
      if (!allowedV1_0(cap)) {
        valid = false;
        nonDefault.insert(cap);
      }
    }
    if (!valid) badContainers.push_back(c.name);
  });
  if (badContainers.empty()) return allow();
  return deny("non-default capabilities", concat(containers(badContainers), " must not include ",
                                                 quoted(nonDefault), " in securityContext.capabilities.add"));
}

}  // namespace

Check capabilitiesBaselineCheck() {
  return {"capabilities_baseline", Level::Baseline, {{Version::v1(0), capabilitiesBaselineV1_0, {}}}};
}

}  // namespace podsecurity::checks
