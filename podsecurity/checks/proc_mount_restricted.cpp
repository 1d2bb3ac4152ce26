// Pod Security Standards, restricted, "/proc Mount Type":
//   The default /proc masks are set up to reduce attack surface, and should be required by the
//   restricted profile, user namespace or not.
//   Restricted fields: spec.containers[*].securityContext.procMount (and init/ephemeral containers)
//   Allowed values: undefined/nil, "Default"
// Mirrors upstream policy/check_procMount_restricted.go: from v1.35, when the baseline procMount
// check starts relaxing for user-namespace pods, the restricted level keeps the unconditional rule
// by replacing the baseline check.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/proc_mount.h"

namespace podsecurity::checks {

Check procMountRestrictedCheck() {
  return {"procMount_restricted", Level::Restricted, {{Version::v1(35), procMountUnconditional, {"procMount"}}}};
}

}  // namespace podsecurity::checks
