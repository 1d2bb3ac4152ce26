#pragma once
// Which files in a folder kguard reads as manifests: one rule for `kguard lint DIR` and the agent's --watch-dir.
#include <filesystem>

namespace kube {

inline bool isManifestFile(const std::filesystem::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace kube
