// Pod Security Standards, restricted, "Running as Non-root":
//   Containers must be required to run as non-root users.
//   Restricted fields: spec.securityContext.runAsNonRoot, spec.containers[*].securityContext.runAsNonRoot
//     (and init/ephemeral containers)
//   Allowed values: true; the container fields may be undefined/nil if the pod-level field is true.
//   From v1.35 not checked for pods in a user namespace (spec.hostUsers: false, KEP-127).
// Mirrors upstream policy/check_runAsNonRoot.go.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

CheckResult runAsNonRootV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  std::vector<std::string> badSetters;  // things that explicitly set runAsNonRoot=false
  bool podRunAsNonRoot = false;
  if (spec.securityContext && spec.securityContext->runAsNonRoot) {
    if (*spec.securityContext->runAsNonRoot) podRunAsNonRoot = true;
    else badSetters.push_back("pod");
  }
  NameList explicitlyBad;  // containers that set runAsNonRoot=false
  NameList implicitlyBad;  // containers that leave it unset without a pod-level true
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.securityContext && c.securityContext->runAsNonRoot) {
      if (!*c.securityContext->runAsNonRoot) explicitlyBad.push_back(c.name);
    } else if (!podRunAsNonRoot) {
      implicitlyBad.push_back(c.name);
    }
  });
  if (!explicitlyBad.empty()) badSetters.push_back(concat(containers(explicitlyBad)));
  if (!badSetters.empty())
    return deny("runAsNonRoot != true", concat(joined(badSetters, " and "), " must not set securityContext.runAsNonRoot=false"));
  if (!implicitlyBad.empty())
    return deny("runAsNonRoot != true", concat("pod or ", containers(implicitlyBad), " must set securityContext.runAsNonRoot=true"));
  return allow();
}

CheckResult runAsNonRootV1_35(const kube::ObjectMeta& metadata, const kube::PodSpec& spec) {
  // Root in a user namespace maps to an unprivileged host user.
  if (inUserNamespace(spec)) return allow();
  return runAsNonRootV1_0(metadata, spec);
}

}  // namespace

Check runAsNonRootCheck() {
  return {"runAsNonRoot",
          Level::Restricted,
          {
              {Version::v1(0), runAsNonRootV1_0, {}},
              {Version::v1(35), runAsNonRootV1_35, {}},
          }};
}

}  // namespace podsecurity::checks
