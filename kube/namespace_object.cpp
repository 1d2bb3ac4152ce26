#include "kube/namespace_object.h"

#include <nlohmann/json.hpp>

#include "kube/pod_decode.h"

namespace kube {
namespace {

bool stringIs(const nlohmann::json& object, const char* key, const char* value) {
  auto it = object.find(key);  // end() for anything but an object
  return it != object.end() && it->is_string() && it->get_ref<const std::string&>() == value;
}

}  // namespace

bool isNamespace(const nlohmann::json& object) {
  return stringIs(object, "kind", "Namespace") && stringIs(object, "apiVersion", "v1");
}

std::optional<NamespaceObject> decodeNamespace(const nlohmann::json& object) {
  auto metadata = object.find("metadata");
  if (metadata == object.end()) return std::nullopt;
  ObjectMeta meta = decodeObjectMeta(*metadata, "metadata");
  return NamespaceObject{std::move(meta.name), std::move(meta.labels)};
}

}  // namespace kube
