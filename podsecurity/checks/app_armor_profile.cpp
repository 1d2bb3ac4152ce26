// Pod Security Standards, baseline, "AppArmor":
//   On supported hosts, the RuntimeDefault AppArmor profile is applied by default. The baseline policy
//   should prevent overriding or disabling the default AppArmor profile, or restrict overrides to an
//   allowed set of profiles.
//   Restricted fields: spec.securityContext.appArmorProfile.type, spec.containers[*],
//     spec.initContainers[*], spec.ephemeralContainers[*] ...securityContext.appArmorProfile.type
//     Allowed values: undefined/nil, RuntimeDefault, Localhost
//   metadata.annotations["container.apparmor.security.beta.kubernetes.io/*"]
//     Allowed values: undefined, runtime/default, localhost/*
// Mirrors upstream policy/check_appArmorProfile.go: one version since 1.0 that checks both the
// fields and the deprecated annotations.
#include "podsecurity/checks/app_armor.h"
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

CheckResult appArmorProfileV1_0(const kube::ObjectMeta& metadata, const kube::PodSpec& spec) {
  std::vector<std::string> badSetters;  // "pod", `containers "a"`, "annotation(s)"
  SortedSet<std::string_view> badValues;

  if (spec.securityContext && spec.securityContext->appArmorProfile &&
      !allowedAppArmorProfileType(spec.securityContext->appArmorProfile->type)) {
    badSetters.push_back("pod");
    badValues.insert(spec.securityContext->appArmorProfile->type);
  }
  NameList badContainers;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.securityContext && c.securityContext->appArmorProfile &&
        !allowedAppArmorProfileType(c.securityContext->appArmorProfile->type)) {
      badContainers.push_back(c.name);
      badValues.insert(c.securityContext->appArmorProfile->type);
    }
  });
  if (!badContainers.empty()) badSetters.push_back(concat(containers(badContainers)));

  SortedSet<std::string> badAnnotations;  // `key="value"`, sorted as upstream sorts them
  for (const auto& [key, value] : metadata.annotations) {
    if (key.rfind(kAppArmorAnnotationPrefix, 0) == 0 && !allowedAppArmorAnnotationValue(value)) {
      badAnnotations.insert(concat(key, "=", goQuote(value)));
    }
  }
  // Types first (sorted), then the annotations (sorted), as one list.
  std::vector<std::string_view> badValueList(badValues.begin(), badValues.end());
  badValueList.insert(badValueList.end(), badAnnotations.begin(), badAnnotations.end());
  if (!badAnnotations.empty()) badSetters.push_back(pluralize("annotation", "annotations", badAnnotations.size()));

  if (badSetters.empty()) return allow();
  return deny(pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", badValueList.size()),
              concat(joined(badSetters, " and "), " must not set AppArmor profile type to ", quoted(badValueList)));
}

}  // namespace

Check appArmorProfileCheck() {
  return {"appArmorProfile", Level::Baseline, {{Version::v1(0), appArmorProfileV1_0, {}}}};
}

}  // namespace podsecurity::checks
