// Pod Security Standards, baseline, "Seccomp":
//   Seccomp profile must not be explicitly set to Unconfined.
//   v1.0 - v1.18: metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"] and
//     ["container.seccomp.security.alpha.kubernetes.io/<container>"]; allowed values: undefined,
//     runtime/default, docker/default, localhost/*
//   v1.19+: spec.securityContext.seccompProfile.type, spec.containers[*].securityContext.seccompProfile.type
//     (and init/ephemeral containers); allowed values: undefined/nil, RuntimeDefault, Localhost
// Mirrors upstream policy/check_seccompProfile_baseline.go; replaced at the restricted level from
// v1.19 by seccompProfile_restricted.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"
#include "podsecurity/checks/seccomp.h"

namespace podsecurity::checks {
namespace {

CheckResult seccompProfileBaselineV1_0(const kube::ObjectMeta& metadata, const kube::PodSpec& spec) {
  SortedSet<std::string> forbidden;
  auto checkAnnotation = [&](const std::string& key) {
    auto it = metadata.annotations.find(key);
    if (it != metadata.annotations.end() && !validSeccompAnnotationValue(it->second))
      forbidden.insert(concat(key, "=", goQuote(it->second)));
  };
  checkAnnotation(kSeccompPodAnnotation);
  kube::visitContainers(spec, [&](const kube::Container& c) { checkAnnotation(kSeccompContainerAnnotationPrefix + c.name); });
  if (forbidden.empty()) return allow();
  return deny("seccompProfile",
              concat("forbidden ", pluralize("annotation", "annotations", forbidden.size()), " ", joined(forbidden, ", ")));
}

CheckResult seccompProfileBaselineV1_19(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  std::vector<std::string> badSetters;
  SortedSet<std::string_view> badValues;
  if (spec.securityContext && spec.securityContext->seccompProfile &&
      !validSeccompType(spec.securityContext->seccompProfile->type)) {
    badSetters.push_back("pod");
    badValues.insert(spec.securityContext->seccompProfile->type);
  }
  NameList badContainers;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.securityContext && c.securityContext->seccompProfile &&
        !validSeccompType(c.securityContext->seccompProfile->type)) {
      badContainers.push_back(c.name);
      badValues.insert(c.securityContext->seccompProfile->type);
    }
  });
  if (!badContainers.empty()) badSetters.push_back(concat(containers(badContainers)));
  if (badSetters.empty()) return allow();
  return deny("seccompProfile", concat(joined(badSetters, " and "), " must not set securityContext.seccompProfile.type to ",
                                           quoted(badValues)));
}

}  // namespace

Check seccompProfileBaselineCheck() {
  return {"seccompProfile_baseline",
          Level::Baseline,
          {
              {Version::v1(0), seccompProfileBaselineV1_0, {}},
              {Version::v1(19), seccompProfileBaselineV1_19, {}},  // the field exists since 1.19
          }};
}

}  // namespace podsecurity::checks
