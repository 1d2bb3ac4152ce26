// Pod Security Standards, restricted, "Privilege Escalation (v1.8+)":
//   Privilege escalation (such as via set-user-ID or set-group-ID file mode) should not be allowed.
//   This is Linux only policy in v1.25+ (spec.os.name != windows).
//   Restricted fields: spec.containers[*].securityContext.allowPrivilegeEscalation,
//     spec.initContainers[*]..., spec.ephemeralContainers[*]...
//   Allowed values: false
// Mirrors upstream policy/check_allowPrivilegeEscalation.go.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

CheckResult allowPrivilegeEscalationV1_8(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  NameList bad;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    const auto& sc = c.securityContext;
    // Unset counts as allowed to escalate: the runtime default is true.
    if (!sc || !sc->allowPrivilegeEscalation || *sc->allowPrivilegeEscalation) bad.push_back(c.name);
  });
  if (bad.empty()) return allow();
  return deny("allowPrivilegeEscalation != false",
              concat(containers(bad), " must set securityContext.allowPrivilegeEscalation=false"));
}

CheckResult allowPrivilegeEscalationV1_25(const kube::ObjectMeta& metadata, const kube::PodSpec& spec) {
  // API validation forbids the field on Windows pods, so leaving it unset there must be allowed.
  if (isWindowsPod(spec)) return allow();
  return allowPrivilegeEscalationV1_8(metadata, spec);
}

}  // namespace

Check allowPrivilegeEscalationCheck() {
  return {"allowPrivilegeEscalation",
          Level::Restricted,
          {
              {Version::v1(8), allowPrivilegeEscalationV1_8, {}},  // the field exists since 1.8
              {Version::v1(25), allowPrivilegeEscalationV1_25, {}},
          }};
}

}  // namespace podsecurity::checks
