// Pod Security Standards, restricted, "Seccomp (v1.19+)":
//   Seccomp profile must be explicitly set to one of the allowed values. Both the Unconfined profile
//   and the absence of a profile are prohibited. This is Linux only policy in v1.25+
//   (.spec.os.name != "windows").
//   Restricted fields: spec.securityContext.seccompProfile.type,
//     spec.containers[*].securityContext.seccompProfile.type (and init/ephemeral containers)
//   Allowed values: RuntimeDefault, Localhost; container fields may be undefined/nil if the
//     pod-level field is set.
// Mirrors upstream policy/check_seccompProfile_restricted.go; replaces seccompProfile_baseline.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"
#include "podsecurity/checks/seccomp.h"

namespace podsecurity::checks {
namespace {

CheckResult seccompProfileRestrictedV1_19(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  std::vector<std::string> badSetters;
  SortedSet<std::string_view> badValues;
  bool podSeccompSet = false;
  if (spec.securityContext && spec.securityContext->seccompProfile) {
    const auto& type = spec.securityContext->seccompProfile->type;
    if (validSeccompType(type)) {
      podSeccompSet = true;
    } else {
      badSetters.push_back("pod");
      badValues.insert(type);
    }
  }
  NameList explicitlyBad;
  NameList implicitlyBad;  // unset, and no valid pod-level profile to inherit
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.securityContext && c.securityContext->seccompProfile) {
      if (!validSeccompType(c.securityContext->seccompProfile->type)) {
        explicitlyBad.push_back(c.name);
        badValues.insert(c.securityContext->seccompProfile->type);
      }
    } else if (!podSeccompSet) {
      implicitlyBad.push_back(c.name);
    }
  });
  if (!explicitlyBad.empty()) badSetters.push_back(concat(containers(explicitlyBad)));
  if (!badSetters.empty())
    return deny("seccompProfile", concat(joined(badSetters, " and "), " must not set securityContext.seccompProfile.type to ",
                                             quoted(badValues)));
  if (!implicitlyBad.empty())
    return deny("seccompProfile", concat("pod or ", containers(implicitlyBad),
                                             " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""));
  return allow();
}

CheckResult seccompProfileRestrictedV1_25(const kube::ObjectMeta& metadata, const kube::PodSpec& spec) {
  // API validation forbids seccomp on Windows pods, so leaving it unset there is allowed.
  if (isWindowsPod(spec)) return allow();
  return seccompProfileRestrictedV1_19(metadata, spec);
}

}  // namespace

Check seccompProfileRestrictedCheck() {
  return {"seccompProfile_restricted",
          Level::Restricted,
          {
              {Version::v1(19), seccompProfileRestrictedV1_19, {"seccompProfile_baseline"}},
              {Version::v1(25), seccompProfileRestrictedV1_25, {"seccompProfile_baseline"}},
          }};
}

}  // namespace podsecurity::checks
