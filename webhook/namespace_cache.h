#pragma once
// Namespace labels and pods from the API server for admission: a watched cache of every Namespace
// (list + watch, resumed and relisted by kube::Reflector), a GET fallback for a namespace not seen yet
// (created a moment ago), and a pod LIST when a namespace's enforce level is tightened.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "kube/api_client.h"
#include "kube/reflector.h"
#include "webhook/admission/cluster_state.h"

namespace webhook {

class NamespaceCache : public admission::NamespaceGetter, public admission::PodLister {
 public:
  explicit NamespaceCache(std::shared_ptr<const kube::ApiClient> client);
  ~NamespaceCache() override;

  void start();
  void stop();
  bool synced() const;

  admission::NamespaceLookup getNamespace(const std::string& name, admission::Deadline deadline) override;
  bool hasCached(const std::string& name) const override;
  admission::PodList listPods(const std::string& namespace_, std::chrono::milliseconds timeout) override;

 private:
  void replace(std::vector<nlohmann::json> items);
  void apply(const std::string& type, const nlohmann::json& object);

  std::shared_ptr<const kube::ApiClient> client_;
  std::unique_ptr<kube::Reflector> reflector_;
  using LabelsByNamespace = std::map<std::string, kube::StringMap>;
  // The labels as an immutable snapshot, replaced (copy on write) by the watch; lookups read the
  // calling thread's copy of the pointer and touch no shared cache line until the version changes
  // (returned by reference: copying the shared_ptr would write its reference count, shared by all
  // threads). Valid until this thread's next call.
  const LabelsByNamespace& snapshot() const;
  void publish(std::shared_ptr<const LabelsByNamespace> next);

  std::mutex writeMutex_;     // one watch update at a time (copy, change, publish)
  mutable std::mutex mutex_;  // guards labels_ (the pointer)
  std::shared_ptr<const LabelsByNamespace> labels_ = std::make_shared<const LabelsByNamespace>();
  std::atomic<uint64_t> version_{1};
  const uint64_t id_;  // unique per cache, so that a thread's snapshot never outlives its cache's identity
};

}  // namespace webhook
