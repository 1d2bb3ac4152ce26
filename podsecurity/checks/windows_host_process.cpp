// Pod Security Standards, baseline, "HostProcess":
//   Windows Pods offer the ability to run HostProcess containers which enables privileged access to
//   the Windows host machine. Privileged access to the host is disallowed in the Baseline policy.
//   Restricted fields: spec.securityContext.windowsOptions.hostProcess,
//     spec.containers[*].securityContext.windowsOptions.hostProcess (and init/ephemeral containers)
//   Allowed values: undefined/nil, false
// Mirrors upstream policy/check_windowsHostProcess.go.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

template <typename SecurityContext>
bool setsHostProcess(const std::optional<SecurityContext>& sc) {
  return sc && sc->windowsOptions && sc->windowsOptions->hostProcess.value_or(false);
}

CheckResult windowsHostProcessV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  NameList badContainers;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (setsHostProcess(c.securityContext)) badContainers.push_back(c.name);
  });
  std::vector<std::string> badSetters;
  if (setsHostProcess(spec.securityContext)) badSetters.push_back("pod");
  if (!badContainers.empty()) badSetters.push_back(concat(containers(badContainers)));
  if (badSetters.empty()) return allow();
  return deny("hostProcess", concat(joined(badSetters, " and "), " must not set securityContext.windowsOptions.hostProcess=true"));
}

}  // namespace

Check windowsHostProcessCheck() {
  return {"windowsHostProcess", Level::Baseline, {{Version::v1(0), windowsHostProcessV1_0, {}}}};
}

}  // namespace podsecurity::checks
