#include "netpol/agent/api_source.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include <nlohmann/json.hpp>

#include "kube/api_client.h"
#include "kube/api_object_store.h"
#include "kube/kubeconfig.h"
#include "kube/manifest.h"
#include "kube/reflector.h"
#include "netpol/decode.h"

namespace netpol::agent {
namespace {

struct Collection {
  const char* path;
  const char* apiVersion;  // list items carry no kind/apiVersion; the decoder needs them
  const char* kind;
};

const Collection kCollections[] = {
    {"/api/v1/namespaces", "v1", "Namespace"},
    {"/api/v1/pods", "v1", "Pod"},
    {"/api/v1/nodes", "v1", "Node"},
    {"/apis/networking.k8s.io/v1/networkpolicies", "networking.k8s.io/v1", "NetworkPolicy"},
};

class ApiSource : public ClusterSource {
 public:
  explicit ApiSource(const std::string& kubeconfig)
      : client_(std::make_shared<const kube::ApiClient>(kubeconfig.empty() ? kube::inClusterConfig()
                                                                           : kube::loadKubeconfig(kubeconfig))),
        server_(client_->config().server) {
    for (const auto& c : kCollections) {
      auto& store = stores_.emplace_back(std::make_unique<kube::ObjectStore>());
      kube::ObjectStore* s = store.get();
      reflectors_.push_back(std::make_unique<kube::Reflector>(
          client_, c.path,
          [this, s](std::vector<nlohmann::json> items) {
            s->replace(std::move(items));
            changed();
          },
          [this, s](const std::string& type, const nlohmann::json& object) {
            s->apply(type, object);
            changed();
          }));
    }
    for (auto& r : reflectors_) r->start();
  }

  ~ApiSource() override {
    for (auto& r : reflectors_) r->stop();
  }

  void waitForSync(int timeoutMs) {
    for (size_t i = 0; i < reflectors_.size(); ++i)
      if (!reflectors_[i]->waitForSync(std::chrono::milliseconds(timeoutMs)))
        throw kube::InputError(server_ + kCollections[i].path + ": not listed within " + std::to_string(timeoutMs) +
                               " ms: " + reflectors_[i]->lastError());
    std::lock_guard<std::mutex> lock(mutex_);
    reported_ = generation_;  // the first load reads everything listed so far
  }

  bool waitForChange(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mutex_);
    bool changed = changes_.wait_for(lock, timeout, [this] { return generation_ != reported_; });
    reported_ = generation_;
    return changed;
  }

  Cluster load() override {
    std::vector<kube::Manifest> manifests;
    for (size_t i = 0; i < stores_.size(); ++i) {
      int document = 0;
      for (const auto& object : stores_[i]->list()) {
        kube::Manifest m;
        m.where.file = server_ + kCollections[i].path;
        m.where.document = ++document;
        m.object = *object;
        m.object["apiVersion"] = kCollections[i].apiVersion;
        m.object["kind"] = kCollections[i].kind;
        manifests.push_back(std::move(m));
      }
    }
    return decodeCluster(manifests);
  }

  std::string describe() const override { return server_; }

 private:
  std::shared_ptr<const kube::ApiClient> client_;
  std::string server_;
  std::vector<std::unique_ptr<kube::ObjectStore>> stores_;
  std::vector<std::unique_ptr<kube::Reflector>> reflectors_;
  void changed() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++generation_;
    }
    changes_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changes_;
  uint64_t generation_ = 0;  // bumped by every watch event and relist
  uint64_t reported_ = 0;    // generation the last waitForChange saw
};

}  // namespace

std::unique_ptr<ClusterSource> makeApiSource(const std::string& kubeconfig, int syncTimeoutMs) {
  auto source = std::make_unique<ApiSource>(kubeconfig);
  source->waitForSync(syncTimeoutMs);
  return source;
}

}  // namespace netpol::agent
