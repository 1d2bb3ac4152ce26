#include "kube/volume_claims.h"

#include "kube/json_reader.h"

namespace kube {
namespace {

std::vector<VolumeClaim> objectVolumeClaims(const nlohmann::json& object) {
  std::vector<VolumeClaim> claims;
  auto claimAt = [&claims](const JsonReader& spec) { claims.push_back({spec.path(), spec.optString("storageClassName")}); };
  JsonReader root(object, "");
  const std::string kind = root.string("kind");
  const std::string apiVersion = root.string("apiVersion");
  if (kind == "PersistentVolumeClaim" && apiVersion == "v1") {
    if (auto spec = root.field("spec")) claimAt(*spec);
  } else if (kind == "StatefulSet") {
    if (auto spec = root.field("spec"))
      spec->forEach("volumeClaimTemplates", [&claimAt](const JsonReader& t) {
        if (auto s = t.field("spec")) claimAt(*s);
      });
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
    claims.push_back({volumes + std::to_string(i) + "].ephemeral.volumeClaimTemplate.spec", claim->storageClassName});
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
