#pragma once
// Pods and pod templates out of Kubernetes objects: which kinds carry a pod and where, and the typed
// decoding of metadata + PodSpec. Decoding errors are DecodeError with the field path.
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/pod.h"

namespace kube {

// Where a kind keeps its pod ("" for a Pod itself, "spec.template", "spec.jobTemplate.spec.template",
// "template" for PodTemplate), or nullopt for kinds that carry no pod. Mirrors upstream Pod Security
// Admission's pod spec extractor.
std::optional<std::string> podTemplatePath(const std::string& apiVersion, const std::string& kind);

// The pod of any pod-carrying object (see podTemplatePath), or nullopt when the kind carries none or
// its template is absent. Field paths in errors are relative to the whole object.
std::optional<PodTemplate> extractPod(const nlohmann::json& object);

ObjectMeta decodeObjectMeta(const nlohmann::json& metadata, const std::string& path);

}  // namespace kube
