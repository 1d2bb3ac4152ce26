#include "kube/kustomization.h"

#include <nlohmann/json.hpp>

namespace kube {

bool isKustomizationFile(const std::filesystem::path& path) {
  auto name = path.filename().string();
  return name == "kustomization.yaml" || name == "kustomization.yml";
}

std::vector<std::string> kustomizationPatchFiles(const nlohmann::json& kustomization) {
  std::vector<std::string> out;
  if (!kustomization.is_object()) return out;
  auto list = [&](const char* field) {
    auto it = kustomization.find(field);
    return it != kustomization.end() && it->is_array() ? *it : nlohmann::json::array();
  };
  for (const auto& entry : list("patchesStrategicMerge"))  // a file name, or an inline patch (several lines)
    if (entry.is_string() && entry.get<std::string>().find('\n') == std::string::npos) out.push_back(entry);
  for (const char* field : {"patches", "patchesJson6902"})
    for (const auto& entry : list(field))
      if (entry.is_object() && entry.contains("path") && entry["path"].is_string()) out.push_back(entry["path"]);
  return out;
}

}  // namespace kube
