#include "netpol/agent/api_source.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <tuple>
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

  // Objects the store still holds by the same snapshot pointer are unchanged since they were decoded:
  // only new or modified objects are decoded again. Objects are ordered by collection, then
  // namespace/name, so that equal contents give equal clusters whatever the store's hash order.
  Cluster load() override {
    struct Listed {
      size_t collection;
      std::string key;
      const nlohmann::json* object;
    };
    std::vector<Listed> listed;
    std::map<const nlohmann::json*, Decoded> next;
    try {
      for (size_t i = 0; i < stores_.size(); ++i)
        for (auto& object : stores_[i]->list()) {
          listed.push_back({i, kube::objectKey(*object), object.get()});
          auto cached = decoded_.find(object.get());
          if (cached != decoded_.end())
            next.emplace(object.get(), std::move(cached->second));
          else
            next.emplace(object.get(), Decoded{object, decode(i, *object, listed.back().key)});
        }
    } catch (...) {
      decoded_.clear();  // entries were moved out; the next load decodes everything again
      throw;
    }
    decoded_ = std::move(next);
    std::sort(listed.begin(), listed.end(), [](const Listed& a, const Listed& b) {
      return std::tie(a.collection, a.key) < std::tie(b.collection, b.key);
    });
    std::vector<const DecodedObject*> objects;
    for (const auto& l : listed) objects.push_back(&decoded_.at(l.object).object);
    return assembleCluster(objects);
  }

  std::string describe() const override { return server_; }

 private:
  std::shared_ptr<const kube::ApiClient> client_;
  std::string server_;
  std::vector<std::unique_ptr<kube::ObjectStore>> stores_;
  std::vector<std::unique_ptr<kube::Reflector>> reflectors_;

  struct Decoded {
    kube::ObjectStore::ObjectPtr keep;  // holds the snapshot, so its address stays unique
    DecodedObject object;
  };
  std::map<const nlohmann::json*, Decoded> decoded_;

  DecodedObject decode(size_t collection, const nlohmann::json& object, const std::string& key) const {
    kube::Manifest m;
    m.where.file = server_ + kCollections[collection].path;
    m.where.item = "object " + key;  // errors name the object
    m.object = object;
    m.object["apiVersion"] = kCollections[collection].apiVersion;  // list items carry no kind/apiVersion
    m.object["kind"] = kCollections[collection].kind;
    return decodeObject(m).value_or(DecodedObject{});
  }

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
