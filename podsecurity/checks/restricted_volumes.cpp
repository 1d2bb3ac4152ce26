// Pod Security Standards, restricted, "Volume Types":
//   The restricted policy only permits the following volume types: configMap, csi, downwardAPI,
//   emptyDir, ephemeral, persistentVolumeClaim, projected, secret (and image, allowed by upstream's
//   code since Kubernetes 1.33 at every policy version).
//   Restricted fields: spec.volumes[*]; every other volume source must be undefined/nil.
// Mirrors upstream policy/check_restrictedVolumes.go; replaces hostPathVolumes at this level.
#include <algorithm>
#include <array>
#include <string_view>

#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"
#include "podsecurity/checks/restricted_volumes.h"

namespace podsecurity::checks {
namespace {

constexpr std::array<std::string_view, 9> kAllowed = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret",
};

// In upstream's order: when a volume (invalidly) has several, the first one names its type.
constexpr std::array<std::string_view, 21> kRestricted = {
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo",       "nfs",
    "iscsi",    "glusterfs",         "rbd",                  "flexVolume",    "cinder",
    "cephfs",   "flocker",           "fc",                   "azureFile",     "vsphereVolume",
    "quobyte",  "azureDisk",         "photonPersistentDisk", "portworxVolume", "scaleIO",
    "storageos",
};

template <size_t N>
bool contains(const std::array<std::string_view, N>& list, const std::string& key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

}  // namespace

std::string_view restrictedVolumeType(const std::vector<std::string>& sources) {
  const auto& s = sources;
  if (std::any_of(s.begin(), s.end(), [](const std::string& k) { return contains(kAllowed, k); })) return {};
  auto restricted = std::find_first_of(kRestricted.begin(), kRestricted.end(), s.begin(), s.end(),
                                       [](std::string_view a, const std::string& b) { return a == b; });
  // Keys that are no volume source are dropped when the API server decodes the pod, and a volume
  // left without a source is defaulted to emptyDir (SetDefaults_Volume): allowed.
  return restricted == kRestricted.end() ? std::string_view() : *restricted;
}

namespace {

CheckResult restrictedVolumesV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  NameList badVolumes;
  SortedSet<std::string_view> badTypes;
  for (const auto& volume : spec.volumes) {
    std::string_view restricted = restrictedVolumeType(volume.sources);
    if (restricted.empty()) continue;
    badVolumes.push_back(volume.name);
    badTypes.insert(restricted);
  }
  if (badVolumes.empty()) return allow();
  return deny("restricted volume types",
              concat(pluralize("volume", "volumes", badVolumes.size()), " ", quoted(badVolumes), " ",
                     pluralize("uses", "use", badVolumes.size()), " ",
                     pluralize("restricted volume type", "restricted volume types", badTypes.size()), " ",
                     quoted(badTypes)));
}

}  // namespace

Check restrictedVolumesCheck() {
  return {"restrictedVolumes", Level::Restricted, {{Version::v1(0), restrictedVolumesV1_0, {"hostPathVolumes"}}}};
}

}  // namespace podsecurity::checks
