#include "kube/volume_claims.h"

#include "kube/json_reader.h"

namespace kube {
namespace {

// A claim (a PVC or a volumeClaimTemplate: `claim` holds its metadata and spec). The beta annotation,
// when present, decides the class over spec.storageClassName, as the PV controller reads it
// (GetPersistentVolumeClaimClass: "Use beta annotation first").
std::optional<VolumeClaim> claimOf(const JsonReader& claim) {
  auto spec = claim.field("spec");
  if (!spec) return std::nullopt;
  VolumeClaim c{spec->path(), spec->optString("storageClassName"), std::nullopt};
  if (auto meta = claim.field("metadata")) {
    auto annotations = meta->stringMap("annotations");
    auto beta = annotations.find(kBetaStorageClassAnnotation);
    if (beta != annotations.end()) {
      c.storageClassName = beta->second;
      c.classAnnotationField = meta->path() + ".annotations[\"" + kBetaStorageClassAnnotation + "\"]";
    }
  }
  return c;
}

std::vector<VolumeClaim> objectVolumeClaims(const nlohmann::json& object) {
  std::vector<VolumeClaim> claims;
  auto add = [&claims](const JsonReader& claim) {
    if (auto c = claimOf(claim)) claims.push_back(*c);
  };
  JsonReader root(object, "");
  const std::string kind = root.string("kind");
  const std::string apiVersion = root.string("apiVersion");
  if (kind == "PersistentVolumeClaim" && apiVersion == "v1") {
    add(root);
  } else if (kind == "StatefulSet") {
    if (auto spec = root.field("spec")) spec->forEach("volumeClaimTemplates", add);
  }
  return claims;
}

}  // namespace

DecodedClaims decodeObjectVolumeClaims(const nlohmann::json& object) {
  return DecodedClaims::of([&object] { return objectVolumeClaims(object); });
}

std::vector<VolumeClaim> podVolumeClaims(const PodTemplate& pod, const std::string& podPath) {
  std::vector<VolumeClaim> claims;
  const std::string volumes = (podPath.empty() ? "" : podPath + ".") + "spec.volumes[";
  for (size_t i = 0; i < pod.spec.volumes.size(); ++i) {
    const auto& claim = pod.spec.volumes[i].ephemeralClaim;
    if (!claim) continue;
    if (claim->errorPath) throw DecodeError(*claim->errorPath, *claim->errorProblem);
    const std::string claimTemplate = volumes + std::to_string(i) + "].ephemeral.volumeClaimTemplate";
    claims.push_back({claimTemplate + ".spec", claim->storageClassName});
    if (claim->classFromBetaAnnotation)
      claims.back().classAnnotationField = claimTemplate + ".metadata.annotations[\"" + kBetaStorageClassAnnotation + "\"]";
  }
  return claims;
}

std::vector<VolumeClaim> volumeClaims(const DecodedClaims& objectClaims, const DecodedPod& pod) {
  std::vector<VolumeClaim> claims;
  if (const auto* own = objectClaims.get()) claims = *own;
  if (const PodTemplate* p = pod.get()) {
    auto ofPod = podVolumeClaims(*p, pod.path());
    claims.insert(claims.end(), ofPod.begin(), ofPod.end());
  }
  return claims;
}

}  // namespace kube
