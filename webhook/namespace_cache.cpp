#include "webhook/namespace_cache.h"

#include <nlohmann/json.hpp>

#include "kube/dns_names.h"
#include "kube/json_reader.h"
#include "kube/namespace_object.h"
#include "kube/pod_decode.h"
#include "runtime/log.h"

namespace webhook {

using runtime::log;
using runtime::LogLevel;
namespace {

std::pair<std::string, kube::StringMap> nameAndLabels(const nlohmann::json& ns) {
  auto decoded = kube::decodeNamespace(ns).value_or(kube::NamespaceObject{});
  return {std::move(decoded.name), std::move(decoded.labels)};
}

}  // namespace

namespace {
std::atomic<uint64_t> nextCacheId{1};
}  // namespace

NamespaceCache::NamespaceCache(std::shared_ptr<const kube::ApiClient> client)
    : client_(std::move(client)), id_(nextCacheId.fetch_add(1)) {
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

const NamespaceCache::LabelsByNamespace& NamespaceCache::snapshot() const {
  struct Local {
    uint64_t owner = 0;
    uint64_t version = 0;
    std::shared_ptr<const LabelsByNamespace> labels;
  };
  thread_local Local local;
  const uint64_t version = version_.load(std::memory_order_acquire);
  if (local.owner != id_ || local.version != version) {
    std::lock_guard<std::mutex> lock(mutex_);
    local = {id_, version_.load(std::memory_order_relaxed), labels_};
  }
  return *local.labels;
}

void NamespaceCache::publish(std::shared_ptr<const LabelsByNamespace> next) {
  std::lock_guard<std::mutex> lock(mutex_);
  labels_ = std::move(next);
  version_.fetch_add(1, std::memory_order_release);
}

void NamespaceCache::replace(std::vector<nlohmann::json> items) {
  auto next = std::make_shared<LabelsByNamespace>();
  for (const auto& item : items) {
    try {
      next->insert(nameAndLabels(item));
    } catch (const kube::DecodeError& e) {
      log(LogLevel::Warn, "skipping undecodable namespace", {{"error", e.what()}});
    }
  }
  publish(std::move(next));
}

// Namespaces change rarely: each event copies the map (O(namespaces)) so that lookups never lock.
void NamespaceCache::apply(const std::string& type, const nlohmann::json& object) {
  try {
    auto [name, labels] = nameAndLabels(object);
    std::lock_guard<std::mutex> lock(writeMutex_);
    auto next = std::make_shared<LabelsByNamespace>(snapshot());
    if (type == "DELETED") next->erase(name);
    else (*next)[name] = std::move(labels);
    publish(std::move(next));
  } catch (const kube::DecodeError& e) {
    log(LogLevel::Warn, "skipping undecodable namespace event", {{"error", e.what()}});
  }
}

bool NamespaceCache::hasCached(const std::string& name) const { return snapshot().count(name) > 0; }

admission::NamespaceLookup NamespaceCache::getNamespace(const std::string& name, admission::Deadline deadline) {
  {
    const auto& labels = snapshot();
    auto it = labels.find(name);
    if (it != labels.end()) return {true, it->second, ""};
  }
  // A namespace is named by a DNS label (ValidateNamespaceName); no API server sends a request in any
  // other. Not asked: "" would GET the list of every namespace, read as a namespace without labels.
  if (!kube::isDns1123Label(name)) return {false, {}, "namespace \"" + name + "\": not a valid namespace name"};
  // Not seen yet (created a moment ago, or the cache is still syncing): ask the API server.
  auto response = client_->get("/api/v1/namespaces/" + kube::urlEncode(name), deadline);
  if (!response.ok()) return {false, {}, "namespace \"" + name + "\": " + response.describe()};
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return {false, {}, "namespace \"" + name + "\": response is not JSON"};
  try {
    auto [answered, labels] = nameAndLabels(body);
    if (answered != name)  // a proxy's page, a list: never another namespace's labels
      return {false, {}, "namespace \"" + name + "\": the answer is not that Namespace (metadata.name \"" + answered + "\")"};
    return {true, std::move(labels), ""};
  } catch (const kube::DecodeError& e) {
    return {false, {}, "namespace \"" + name + "\": " + e.what()};
  }
}

admission::PodList NamespaceCache::listPods(const std::string& ns, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // timeoutSeconds bounds the server's side (whole seconds); the deadline bounds ours.
  auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
  auto response = client_->get("/api/v1/namespaces/" + kube::urlEncode(ns) + "/pods?timeoutSeconds=" + std::to_string(seconds), deadline);
  if (!response.ok()) return {false, {}, response.describe(), {}};
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.contains("items") || !body["items"].is_array()) return {false, {}, "pod list is not JSON", {}};
  admission::PodList list{true, {}, "", {}};
  for (auto& item : body["items"]) {
    // List items carry no kind; the pod decoder needs it to know where the spec is.
    item["apiVersion"] = "v1";
    item["kind"] = "Pod";
    try {
      const kube::DecodedPod decoded = kube::DecodedPod::of(item);
      const kube::PodTemplate* pod = decoded.get();
      if (!pod) continue;
      std::string controllerUid;
      for (const auto& owner : kube::decodeObjectMeta(item.value("metadata", nlohmann::json::object()), "metadata").ownerReferences)
        if (owner.controller) controllerUid = owner.uid;
      list.pods.push_back(*pod);
      list.controllerUids.push_back(std::move(controllerUid));
    } catch (const kube::DecodeError& e) {
      log(LogLevel::Warn, "skipping undecodable pod", {{"namespace", ns}, {"error", e.what()}});
    }
  }
  return list;
}

}  // namespace webhook
