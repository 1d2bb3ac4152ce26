// Pod Security Standards, baseline, "Privileged Containers":
//   Privileged Pods disable most security mechanisms and must be disallowed.
//   Restricted fields: spec.containers[*].securityContext.privileged, spec.initContainers[*]...,
//     spec.ephemeralContainers[*]...
//   Allowed values: undefined/nil, false
// Mirrors upstream policy/check_privileged.go.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

CheckResult privilegedV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  NameList bad;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.securityContext && c.securityContext->privileged.value_or(false)) bad.push_back(c.name);
  });
  if (bad.empty()) return allow();
  return deny("privileged", concat(containers(bad), " must not set securityContext.privileged=true"));
}

}  // namespace

Check privilegedCheck() { return {"privileged", Level::Baseline, {{Version::v1(0), privilegedV1_0, {}}}}; }

}  // namespace podsecurity::checks
