#pragma once
// Namespace labels and pods from the API server for admission: a watched cache of every Namespace
// (list + watch, resumed and relisted by kube::Reflector), a GET fallback for a namespace not seen yet
// (created a moment ago), and a pod LIST when a namespace's enforce level is tightened.
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

  admission::NamespaceLookup getNamespace(const std::string& name) override;
  bool hasCached(const std::string& name) const override;
  admission::PodList listPods(const std::string& namespace_, std::chrono::milliseconds timeout) override;

 private:
  void replace(std::vector<nlohmann::json> items);
  void apply(const std::string& type, const nlohmann::json& object);

  std::shared_ptr<const kube::ApiClient> client_;
  std::unique_ptr<kube::Reflector> reflector_;
  mutable std::mutex mutex_;
  std::map<std::string, kube::StringMap> labels_;
};

}  // namespace webhook
