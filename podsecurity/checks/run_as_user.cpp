// Pod Security Standards, restricted, "Running as Non-root user (v1.23+)":
//   Containers must not set runAsUser to 0.
//   Restricted fields: spec.securityContext.runAsUser, spec.containers[*].securityContext.runAsUser
//     (and init/ephemeral containers)
//   Allowed values: any non-zero value, undefined/nil.
//   From v1.35 not checked for pods in a user namespace (spec.hostUsers: false, KEP-127).
// Mirrors upstream policy/check_runAsUser.go.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

CheckResult runAsUserV1_23(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  std::vector<std::string> badSetters;
  if (spec.securityContext && spec.securityContext->runAsUser == 0) badSetters.push_back("pod");
  NameList badContainers;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.securityContext && c.securityContext->runAsUser == 0) badContainers.push_back(c.name);
  });
  if (!badContainers.empty()) badSetters.push_back(concat(containers(badContainers)));
  if (badSetters.empty()) return allow();
  return deny("runAsUser=0", concat(joined(badSetters, " and "), " must not set runAsUser=0"));
}

CheckResult runAsUserV1_35(const kube::ObjectMeta& metadata, const kube::PodSpec& spec) {
  if (inUserNamespace(spec)) return allow();  // uid 0 in a user namespace is not host root
  return runAsUserV1_23(metadata, spec);
}

}  // namespace

Check runAsUserCheck() {
  return {"runAsUser",
          Level::Restricted,
          {
              {Version::v1(23), runAsUserV1_23, {}},
              {Version::v1(35), runAsUserV1_35, {}},
          }};
}

}  // namespace podsecurity::checks
