// Pod Security Standards, baseline, "/proc Mount Type":
//   The default /proc masks are set up to reduce attack surface, and should be required.
//   Restricted fields: spec.containers[*].securityContext.procMount, spec.initContainers[*]...,
//     spec.ephemeralContainers[*]...
//   Allowed values: undefined/nil, "Default"; from v1.35 any value when the pod is in a user
//     namespace (spec.hostUsers: false).
// Mirrors upstream policy/check_procMount_baseline.go (id "procMount"); at the restricted level
// procMount_restricted replaces it from v1.35 and keeps the unconditional rule.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"
#include "podsecurity/checks/proc_mount.h"

namespace podsecurity::checks {

CheckResult procMountUnconditional(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  NameList bad;
  SortedSet<std::string_view> types;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (!c.securityContext || !c.securityContext->procMount) return;  // unset means Default
    if (*c.securityContext->procMount != "Default") {
      bad.push_back(c.name);
      types.insert(*c.securityContext->procMount);
    }
  });
  if (bad.empty()) return allow();
  return deny("procMount", concat(containers(bad), " must not set securityContext.procMount to ", quoted(types)));
}

namespace {

CheckResult procMountV1_35(const kube::ObjectMeta& metadata, const kube::PodSpec& spec) {
  // In a user namespace an unmasked /proc exposes only the pod's own namespaces (KEP-127).
  if (inUserNamespace(spec)) return allow();
  return procMountUnconditional(metadata, spec);
}

}  // namespace

Check procMountBaselineCheck() {
  return {"procMount",
          Level::Baseline,
          {
              {Version::v1(0), procMountUnconditional, {}},
              {Version::v1(35), procMountV1_35, {}},
          }};
}

}  // namespace podsecurity::checks
