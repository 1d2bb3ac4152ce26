#pragma once
// A thread-safe cache of one collection's objects keyed by namespace/name, fed by a Reflector
// (the role of client-go's cache.Store / Indexer). Readers get immutable snapshots of objects.
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/reflector.h"

namespace kube {

class ObjectStore {
 public:
  using ObjectPtr = std::shared_ptr<const nlohmann::json>;

  // Reflector callbacks: replace everything after a LIST; apply one ADDED / MODIFIED / DELETED event.
  void replace(std::vector<nlohmann::json> items);
  void apply(const std::string& type, const nlohmann::json& object);
  // Handlers that feed this store (the store must outlive the reflector using them).
  Reflector::ReplaceHandler replaceHandler();
  Reflector::EventHandler eventHandler();

  // The object, or nullptr. Cluster-scoped objects (namespaces, nodes) have namespace "".
  ObjectPtr get(const std::string& namespace_, const std::string& name) const;
  std::vector<ObjectPtr> list() const;
  size_t size() const;
  bool hasSynced() const;  // replace() has been called at least once

  // metadata.labels of the object, or nullopt when the object is not in the store.
  std::optional<std::map<std::string, std::string>> labels(const std::string& namespace_,
                                                           const std::string& name) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, ObjectPtr> objects_;  // "namespace/name" or "name"
  bool synced_ = false;
};

// "namespace/name" for namespaced objects, "name" for cluster-scoped ones; "" without a name.
std::string objectKey(const nlohmann::json& object);
// metadata.labels as a map; non-string values are skipped (untrusted input never throws).
std::map<std::string, std::string> labelsOf(const nlohmann::json& object);

}  // namespace kube
