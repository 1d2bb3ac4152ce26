#pragma once
// A core/v1 Namespace as kguard reads it: its name and labels, which Pod Security's namespace policy and
// NetworkPolicy namespaceSelectors read. The one decoder of Namespace objects, for lint, audit, netpol
// and the webhook's namespace cache.
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/decode_error.h"
#include "kube/object_meta.h"

namespace kube {

struct NamespaceObject {
  std::string name;  // "" when metadata.name is missing
  StringMap labels;
};

// kind Namespace, apiVersion v1.
bool isNamespace(const nlohmann::json& object);

// Its name and labels, or nullopt when the object has no metadata at all. Throws DecodeError with the
// field path ("metadata.labels") for fields of the wrong type.
std::optional<NamespaceObject> decodeNamespace(const nlohmann::json& object);

}  // namespace kube
