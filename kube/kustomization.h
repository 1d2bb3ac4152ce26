#pragma once
// kustomize source folders (`kubectl kustomize DIR` renders them): the kustomization file is kustomize's
// configuration, not a Kubernetes object, and the patches it names are partial objects. Reading such a
// folder, kguard skips both with a note and reads the complete objects (`resources:`) as usual.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace kube {

// The names kustomize recognizes in a folder (konfig.RecognizedKustomizationFileNames), less the
// extensionless `Kustomization`, which is no manifest file to kguard anyway.
bool isKustomizationFile(const std::filesystem::path& path);

// The patch files a kustomization names, as written (relative to its folder): patchesStrategicMerge
// entries that are file names (not inline patches), and `path` of patches and patchesJson6902.
std::vector<std::string> kustomizationPatchFiles(const nlohmann::json& kustomization);

}  // namespace kube
