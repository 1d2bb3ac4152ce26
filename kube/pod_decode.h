#pragma once
// Pods and pod templates out of Kubernetes objects: which kinds carry a pod and where, and the typed
// decoding of metadata + PodSpec. Decoding errors are DecodeError with the field path.
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/decode_error.h"
#include "kube/pod.h"

namespace kube {

// Where a kind keeps its pod ("" for a Pod itself, "spec.template", "spec.jobTemplate.spec.template",
// "template" for PodTemplate), or nullopt for kinds that carry no pod. Mirrors upstream Pod Security
// Admission's pod spec extractor.
std::optional<std::string> podTemplatePath(const std::string& apiVersion, const std::string& kind);
// A field of the pod ("spec.containers[0]") as a path in the object that carries it at `podPath`:
// "spec.template" + "spec.containers[0]" -> "spec.template.spec.containers[0]".
std::string fieldInObject(const std::string& podPath, const std::string& podField);

ObjectMeta decodeObjectMeta(const nlohmann::json& metadata, const std::string& path);

// The pod of an object, decoded once where the object is read (an AdmissionReview, kube::Manifest's
// constructor, a pod list), for every reader of that object. A DecodeError is kept and rethrown by get(), so each reader reports it
// where and how it always did (Pod Security refuses, kguard's rules only annotate, ...).
class DecodedPod {
 public:
  DecodedPod() = default;  // no object: get() is nullptr
  // `path`: where the pod sits in its object (podTemplatePath), "" for a Pod.
  DecodedPod(PodTemplate pod, std::string path);
  // The pod of any pod-carrying object (see podTemplatePath); none when the kind carries none or its
  // template is absent. Field paths in its error are relative to the whole object.
  static DecodedPod of(const nlohmann::json& object);
  // The same, for an object read from a file: a pod without containers (no spec, `spec: null`,
  // `containers: []`) is a DecodeError at its `spec.containers`, since the API server refuses it
  // (`spec.containers: Required value`, validateContainers in pkg/apis/core/validation), and so is a
  // template with ephemeralContainers (`Forbidden`, ValidatePodTemplateSpec). Objects the API
  // server hands over (admission, lists) have passed that validation already.
  static DecodedPod ofManifest(const nlohmann::json& object);

  // The pod; nullptr when the object carries none. Throws the object's DecodeError.
  const PodTemplate* get() const {
    if (error_) throw *error_;
    return pod_.get();
  }
  const std::string& path() const { return path_; }
  bool decoded() const { return pod_ != nullptr; }  // a pod, without error

  // A Pod's status (DecodedPod::of decodes it for a Pod, never for a template); nullptr when there is
  // none. Its DecodeError is kept apart from the pod's and thrown only here, so only a reader of the
  // status (netpol) reports it: Pod Security and kguard's rules do not judge a pod by its status.
  const PodStatus* status() const {
    if (statusError_) throw *statusError_;
    return status_.get();
  }

 private:
  std::shared_ptr<const PodTemplate> pod_;  // shared: requests are copied to worker threads
  std::string path_;
  std::optional<DecodeError> error_;
  std::shared_ptr<const PodStatus> status_;
  std::optional<DecodeError> statusError_;
};

}  // namespace kube
