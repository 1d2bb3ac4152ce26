// Pod Security Standards, baseline, "Host Namespaces":
//   Sharing the host namespaces must be disallowed.
//   Restricted fields: spec.hostNetwork, spec.hostPID, spec.hostIPC
//   Allowed values: undefined/nil, false
// Mirrors upstream policy/check_hostNamespaces.go.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

CheckResult hostNamespacesV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  std::vector<std::string_view> shared;
  if (spec.hostNetwork) shared.push_back("hostNetwork=true");
  if (spec.hostPID) shared.push_back("hostPID=true");
  if (spec.hostIPC) shared.push_back("hostIPC=true");
  if (shared.empty()) return allow();
  return deny("host namespaces", join(shared, ", "));
}

}  // namespace

Check hostNamespacesCheck() {
  return {"hostNamespaces", Level::Baseline, {{Version::v1(0), hostNamespacesV1_0, {}}}};
}

}  // namespace podsecurity::checks
