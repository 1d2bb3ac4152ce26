#pragma once
// Every PersistentVolumeClaim an object asks for: a PVC itself, a StatefulSet's volumeClaimTemplates,
// and generic ephemeral volumes in any pod template (each becomes a real PVC at run time).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/decoded.h"
#include "kube/pod_decode.h"

namespace kube {

struct VolumeClaim {
  std::string field;  // where the claim spec is, e.g. "spec.volumeClaimTemplates[0].spec"
  std::optional<std::string> storageClassName;
  // Set when the beta annotation volume.beta.kubernetes.io/storage-class decides the class instead: where
  // it is, e.g. "metadata.annotations[\"volume.beta.kubernetes.io/storage-class\"]".
  std::optional<std::string> classAnnotationField = std::nullopt;
  std::string classField() const { return classAnnotationField ? *classAnnotationField : field + ".storageClassName"; }
};

// The claims of a PersistentVolumeClaim (v1) or of a StatefulSet's volumeClaimTemplates, decoded once where
// the object is read (kube::Manifest, the webhook's AdmissionReview) for every reader: get() is the list,
// empty for other kinds, and throws the object's DecodeError. Not those of its pod template, which
// podVolumeClaims reads from the decoded pod.
using DecodedClaims = Decoded<std::vector<VolumeClaim>>;
DecodedClaims decodeObjectVolumeClaims(const nlohmann::json& object);

// The claims of a pod's generic ephemeral volumes; `podPath` is where the pod sits in its object ("" for a
// Pod, "spec.template", ...). Throws the DecodeError of the first claim spec that did not decode.
std::vector<VolumeClaim> podVolumeClaims(const PodTemplate& pod, const std::string& podPath);

// Every claim of an object: its own (decodeObjectVolumeClaims; none for a Pod read by the webhook's fast
// path, which makes no claims but its pod's), then podVolumeClaims of its decoded pod. Throws the first
// DecodeError, the object's before the pod's.
std::vector<VolumeClaim> volumeClaims(const DecodedClaims& objectClaims, const DecodedPod& pod);

}  // namespace kube
