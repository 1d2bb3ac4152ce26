#include "kube/api_object_store.h"

#include <nlohmann/json.hpp>

#include "kube/object_meta_fields.h"

namespace kube {
namespace {

std::string keyFor(const std::string& namespace_, const std::string& name) {
  return namespace_.empty() ? name : namespace_ + "/" + name;
}

}  // namespace

std::string objectKey(const nlohmann::json& object) {
  std::string name = metadataString(object, "name");
  return name.empty() ? "" : keyFor(metadataString(object, "namespace"), name);
}

std::map<std::string, std::string> labelsOf(const nlohmann::json& object) {
  std::map<std::string, std::string> out;
  const nlohmann::json* labels = metadataField(object, "labels");
  if (!labels || !labels->is_object()) return out;
  for (auto it = labels->begin(); it != labels->end(); ++it)
    if (it.value().is_string()) out.emplace(it.key(), it.value().get<std::string>());
  return out;
}

void ObjectStore::replace(std::vector<nlohmann::json> items) {
  std::unordered_map<std::string, ObjectPtr> fresh;
  for (auto& item : items) {
    std::string key = objectKey(item);
    if (!key.empty()) fresh[key] = std::make_shared<const nlohmann::json>(std::move(item));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  objects_.swap(fresh);
  synced_ = true;
}

void ObjectStore::apply(const std::string& type, const nlohmann::json& object) {
  std::string key = objectKey(object);
  if (key.empty()) return;
  if (type == "DELETED") {
    std::lock_guard<std::mutex> lock(mutex_);
    objects_.erase(key);
    return;
  }
  auto copy = std::make_shared<const nlohmann::json>(object);
  std::lock_guard<std::mutex> lock(mutex_);
  objects_[key] = std::move(copy);
}

Reflector::ReplaceHandler ObjectStore::replaceHandler() {
  return [this](std::vector<nlohmann::json> items) { replace(std::move(items)); };
}

Reflector::EventHandler ObjectStore::eventHandler() {
  return [this](const std::string& type, const nlohmann::json& object) { apply(type, object); };
}

ObjectStore::ObjectPtr ObjectStore::get(const std::string& namespace_, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = objects_.find(keyFor(namespace_, name));
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectStore::ObjectPtr> ObjectStore::list() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& entry : objects_) out.push_back(entry.second);
  return out;
}

size_t ObjectStore::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return objects_.size();
}

bool ObjectStore::hasSynced() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return synced_;
}

std::optional<std::map<std::string, std::string>> ObjectStore::labels(const std::string& namespace_,
                                                                      const std::string& name) const {
  ObjectPtr object = get(namespace_, name);
  if (!object) return std::nullopt;
  return labelsOf(*object);
}

}  // namespace kube
