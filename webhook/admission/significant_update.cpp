// Which pod updates need a fresh Pod Security evaluation (upstream isSignificantPodUpdate). Most pod
// fields are immutable after creation; images, ephemeral containers and the legacy pod and per-container
// seccomp annotations are the mutable ones that can change the verdict.
#include "webhook/admission/pod_security_admission.h"

#include "podsecurity/checks/seccomp.h"

namespace admission {
namespace {

std::string annotation(const kube::StringMap& annotations, const std::string& key) {
  auto it = annotations.find(key);
  return it == annotations.end() ? "" : it->second;
}

bool isSignificantContainerUpdate(const kube::Container& c, const kube::Container& old, const kube::StringMap& annotations,
                                  const kube::StringMap& oldAnnotations) {
  if (c.image != old.image) return true;
  const std::string key = podsecurity::checks::kSeccompContainerAnnotationPrefix + c.name;
  return annotation(annotations, key) != annotation(oldAnnotations, key);
}

}  // namespace

bool isSignificantPodUpdate(const kube::PodTemplate& pod, const kube::PodTemplate& oldPod) {
  const auto& spec = pod.spec;
  const auto& old = oldPod.spec;
  const auto& annotations = pod.metadata.annotations;
  const auto& oldAnnotations = oldPod.metadata.annotations;
  // The pod's own annotation: the baseline of v1.0-v1.18 forbids "unconfined" in it.
  if (annotation(annotations, podsecurity::checks::kSeccompPodAnnotation) !=
      annotation(oldAnnotations, podsecurity::checks::kSeccompPodAnnotation))
    return true;
  if (spec.containers.size() != old.containers.size()) return true;
  if (spec.initContainers.size() != old.initContainers.size()) return true;
  for (size_t i = 0; i < spec.containers.size(); ++i)
    if (isSignificantContainerUpdate(spec.containers[i], old.containers[i], annotations, oldAnnotations)) return true;
  for (size_t i = 0; i < spec.initContainers.size(); ++i)
    if (isSignificantContainerUpdate(spec.initContainers[i], old.initContainers[i], annotations, oldAnnotations))
      return true;
  // Ephemeral containers are matched by name: one without an old twin was just added.
  for (const auto& c : spec.ephemeralContainers) {
    const kube::Container* oldC = nullptr;
    for (const auto& oc : old.ephemeralContainers)
      if (oc.name == c.name) oldC = &oc;
    if (!oldC) return true;
    if (isSignificantContainerUpdate(c, *oldC, annotations, oldAnnotations)) return true;
  }
  return false;
}

}  // namespace admission
