#pragma once
// The unconditional /proc mount check, shared (as upstream shares procMount_1_0) by the baseline
// procMount check up to v1.34 and by procMount_restricted from v1.35.
#include "podsecurity/check.h"

namespace podsecurity::checks {

CheckResult procMountUnconditional(const kube::ObjectMeta& metadata, const kube::PodSpec& spec);

}  // namespace podsecurity::checks
