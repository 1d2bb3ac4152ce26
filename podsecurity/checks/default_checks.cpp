#include "podsecurity/checks/default_checks.h"

namespace podsecurity::checks {

// An explicit list rather than static self-registration: a linker may drop unreferenced objects of a
// static library, and static initialisation order is unspecified.
std::vector<Check> defaultChecks() {
  return {
      appArmorProfileCheck(),
      capabilitiesBaselineCheck(),
      hostNamespacesCheck(),
      hostPathVolumesCheck(),
      hostPortsCheck(),
      hostProbesAndHostLifecycleCheck(),
      privilegedCheck(),
      procMountBaselineCheck(),
      seccompProfileBaselineCheck(),
      seLinuxOptionsCheck(),
      sysctlsCheck(),
      windowsHostProcessCheck(),
      allowPrivilegeEscalationCheck(),
      capabilitiesRestrictedCheck(),
      procMountRestrictedCheck(),
      restrictedVolumesCheck(),
      runAsNonRootCheck(),
      runAsUserCheck(),
      seccompProfileRestrictedCheck(),
  };
}

}  // namespace podsecurity::checks
