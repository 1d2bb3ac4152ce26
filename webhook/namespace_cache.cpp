#include "webhook/namespace_cache.h"

#include <nlohmann/json.hpp>

#include "kube/json_reader.h"
#include "kube/pod_decode.h"
#include "webhook/log.h"

namespace webhook {
namespace {

std::pair<std::string, kube::StringMap> nameAndLabels(const nlohmann::json& ns) {
  auto meta = kube::decodeObjectMeta(ns.value("metadata", nlohmann::json::object()), "metadata");
  return {meta.name, meta.labels};
}

}  // namespace

NamespaceCache::NamespaceCache(std::shared_ptr<const kube::ApiClient> client) : client_(std::move(client)) {
  kube::ReflectorOptions options;
  options.onError = [](const std::string& message) { log(LogLevel::Warn, "namespace watch", {{"error", message}}); };
  reflector_ = std::make_unique<kube::Reflector>(
      client_, "/api/v1/namespaces", [this](std::vector<nlohmann::json> items) { replace(std::move(items)); },
      [this](const std::string& type, const nlohmann::json& object) { apply(type, object); }, options);
}

NamespaceCache::~NamespaceCache() { stop(); }

void NamespaceCache::start() { reflector_->start(); }
void NamespaceCache::stop() { reflector_->stop(); }
bool NamespaceCache::synced() const { return reflector_->hasSynced(); }

void NamespaceCache::replace(std::vector<nlohmann::json> items) {
  std::map<std::string, kube::StringMap> next;
  for (const auto& item : items) {
    try {
      next.insert(nameAndLabels(item));
    } catch (const kube::DecodeError& e) {
      log(LogLevel::Warn, "skipping undecodable namespace", {{"error", e.what()}});
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  labels_ = std::move(next);
}

void NamespaceCache::apply(const std::string& type, const nlohmann::json& object) {
  try {
    auto [name, labels] = nameAndLabels(object);
    std::lock_guard<std::mutex> lock(mutex_);
    if (type == "DELETED") labels_.erase(name);
    else labels_[name] = std::move(labels);
  } catch (const kube::DecodeError& e) {
    log(LogLevel::Warn, "skipping undecodable namespace event", {{"error", e.what()}});
  }
}

bool NamespaceCache::hasCached(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return labels_.count(name) > 0;
}

admission::NamespaceLookup NamespaceCache::getNamespace(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = labels_.find(name);
    if (it != labels_.end()) return {true, it->second, ""};
  }
  // Not seen yet (created a moment ago, or the cache is still syncing): ask the API server.
  auto response = client_->get("/api/v1/namespaces/" + kube::urlEncode(name));
  if (!response.ok()) return {false, {}, "namespace \"" + name + "\": " + response.describe()};
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return {false, {}, "namespace \"" + name + "\": response is not JSON"};
  try {
    return {true, nameAndLabels(body).second, ""};
  } catch (const kube::DecodeError& e) {
    return {false, {}, "namespace \"" + name + "\": " + e.what()};
  }
}

admission::PodList NamespaceCache::listPods(const std::string& ns, std::chrono::milliseconds timeout) {
  auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
  auto response = client_->get("/api/v1/namespaces/" + kube::urlEncode(ns) + "/pods?timeoutSeconds=" + std::to_string(seconds));
  if (!response.ok()) return {false, {}, response.describe()};
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.contains("items") || !body["items"].is_array()) return {false, {}, "pod list is not JSON"};
  admission::PodList list{true, {}, ""};
  for (auto& item : body["items"]) {
    // List items carry no kind; the pod decoder needs it to know where the spec is.
    item["apiVersion"] = "v1";
    item["kind"] = "Pod";
    try {
      if (auto pod = kube::extractPod(item)) list.pods.push_back(std::move(*pod));
    } catch (const kube::DecodeError& e) {
      log(LogLevel::Warn, "skipping undecodable pod", {{"namespace", ns}, {"error", e.what()}});
    }
  }
  return list;
}

}  // namespace webhook
