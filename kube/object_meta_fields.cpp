#include "kube/object_meta_fields.h"

namespace kube {

const nlohmann::json* metadataField(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return nullptr;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  auto value = meta->find(field);
  return value == meta->end() ? nullptr : &*value;
}

const std::string& metadataString(const nlohmann::json& object, const char* field) {
  static const std::string empty;
  const nlohmann::json* value = metadataField(object, field);
  return value && value->is_string() ? value->get_ref<const std::string&>() : empty;
}

}  // namespace kube
