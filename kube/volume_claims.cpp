#include "kube/volume_claims.h"

#include "kube/json_reader.h"
#include "kube/pod_decode.h"

namespace kube {
namespace {

VolumeClaim claimAt(const JsonReader& spec) {
  return {spec.path(), spec.optString("storageClassName")};
}

}  // namespace

std::vector<VolumeClaim> extractVolumeClaims(const nlohmann::json& object) {
  std::vector<VolumeClaim> claims;
  JsonReader root(object, "");
  const std::string kind = root.string("kind");
  const std::string apiVersion = root.string("apiVersion");
  if (kind == "PersistentVolumeClaim" && apiVersion == "v1") {
    if (auto spec = root.field("spec")) claims.push_back(claimAt(*spec));
    return claims;
  }
  if (kind == "StatefulSet") {
    if (auto spec = root.field("spec"))
      spec->forEach("volumeClaimTemplates", [&claims](const JsonReader& t) {
        if (auto s = t.field("spec")) claims.push_back(claimAt(*s));
      });
  }
  auto templatePath = podTemplatePath(apiVersion, kind);
  if (!templatePath) return claims;
  auto pod = root.at(*templatePath);
  if (!pod) return claims;
  if (auto spec = pod->field("spec"))
    spec->forEach("volumes", [&claims](const JsonReader& v) {
      if (auto claimSpec = v.at("ephemeral.volumeClaimTemplate.spec")) claims.push_back(claimAt(*claimSpec));
    });
  return claims;
}

}  // namespace kube
