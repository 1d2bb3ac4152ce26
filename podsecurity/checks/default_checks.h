#pragma once
// The registry of Pod Security Standards checks, one factory per file in this folder (upstream's
// policy/check_*.go). defaultChecks() is the explicit list the default evaluator is built from; a
// new check is a new file plus one line there.
#include <vector>

#include "podsecurity/check.h"

namespace podsecurity::checks {

// Baseline
Check appArmorProfileCheck();
Check capabilitiesBaselineCheck();
Check hostNamespacesCheck();
Check hostPathVolumesCheck();
Check hostPortsCheck();
Check hostProbesAndHostLifecycleCheck();
Check privilegedCheck();
Check procMountBaselineCheck();
Check seccompProfileBaselineCheck();
Check seLinuxOptionsCheck();
Check sysctlsCheck();
Check windowsHostProcessCheck();

// Restricted
Check allowPrivilegeEscalationCheck();
Check capabilitiesRestrictedCheck();
Check procMountRestrictedCheck();
Check restrictedVolumesCheck();
Check runAsNonRootCheck();
Check runAsUserCheck();
Check seccompProfileRestrictedCheck();

std::vector<Check> defaultChecks();

}  // namespace podsecurity::checks
