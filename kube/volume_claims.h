#pragma once
// Every PersistentVolumeClaim an object asks for: a PVC itself, a StatefulSet's volumeClaimTemplates,
// and generic ephemeral volumes in any pod template (each becomes a real PVC at run time).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace kube {

struct VolumeClaim {
  std::string field;  // where the claim spec is, e.g. "spec.volumeClaimTemplates[0].spec"
  std::optional<std::string> storageClassName;
};

std::vector<VolumeClaim> extractVolumeClaims(const nlohmann::json& object);

}  // namespace kube
