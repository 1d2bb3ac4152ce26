#include "netpol/agent/api_source.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <tuple>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/api_client.h"
#include "kube/api_object_store.h"
#include "kube/kubeconfig.h"
#include "kube/manifest.h"
#include "kube/reflector.h"
#include "netpol/decode.h"
#include "runtime/log.h"

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
    // Served only where the CRD (manifests/crds/) is installed: see OptionalCollection.
    {"/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies", "policy.networking.k8s.io/v1alpha2",
     "ClusterNetworkPolicy"},
};
const size_t kRequired = 4;  // kCollections[kRequired..] may be absent from the server
const char* const kClusterPolicyGroupVersion = "/apis/policy.networking.k8s.io/v1alpha2";
const char* const kClusterPolicyResource = "clusternetworkpolicies";

// Whether the server serves `resource` in a group version, from its discovery document
// (GET /apis/GROUP/VERSION, readable by every authenticated user through system:discovery).
enum class Discovery { Served, Absent, Unknown };

Discovery discover(const kube::ApiClient& client, const std::string& groupVersionPath, const std::string& resource,
                   std::string* error) {
  auto response = client.get(groupVersionPath);
  if (response.status == 404) return Discovery::Absent;  // no CRD of that group version
  if (!response.ok()) {
    *error = response.describe();
    return Discovery::Unknown;
  }
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("resources") || !doc["resources"].is_array()) {
    *error = "discovery document without a resources list";
    return Discovery::Unknown;
  }
  for (const auto& r : doc["resources"])
    if (r.is_object() && r.value("name", "") == resource) return Discovery::Served;
  return Discovery::Absent;
}

class ApiSource : public ClusterSource {
 public:
  ApiSource(const std::string& kubeconfig, std::chrono::milliseconds optionalRecheck)
      : client_(std::make_shared<const kube::ApiClient>(kubeconfig.empty() ? kube::inClusterConfig()
                                                                           : kube::loadKubeconfig(kubeconfig))),
        server_(client_->config().server),
        optionalRecheck_(optionalRecheck) {
    for (size_t i = 0; i < std::size(kCollections); ++i) stores_.push_back(std::make_unique<kube::ObjectStore>());
    for (size_t i = 0; i < kRequired; ++i) reflectors_.push_back(makeReflector(i));
    for (auto& r : reflectors_) r->start();
    checkOptional();  // before the first sync, so that installed ClusterNetworkPolicies are in the first load
    optionalThread_ = std::thread([this] { followOptional(); });
  }
  ~ApiSource() override {
    {
      std::lock_guard<std::mutex> lock(optionalMutex_);
      stopping_ = true;
    }
    optionalWake_.notify_all();
    optionalThread_.join();
    for (auto& r : reflectors_) r->stop();
    if (optionalReflector_) optionalReflector_->stop();
  }

  void waitForSync(int timeoutMs) {
    auto timeout = std::chrono::milliseconds(timeoutMs);
    auto notListed = [&](size_t i, const kube::Reflector& r) {
      return kube::InputError(server_ + kCollections[i].path + ": not listed within " + std::to_string(timeoutMs) +
                              " ms: " + r.lastError());
    };
    for (size_t i = 0; i < reflectors_.size(); ++i)
      if (!reflectors_[i]->waitForSync(timeout)) throw notListed(i, *reflectors_[i]);
    std::shared_ptr<kube::Reflector> optional;
    {
      std::lock_guard<std::mutex> lock(optionalMutex_);  // not held while waiting: its onError takes it
      optional = optionalReflector_;
    }
    if (optional && !optional->waitForSync(timeout)) throw notListed(kRequired, *optional);
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
  std::vector<std::unique_ptr<kube::Reflector>> reflectors_;  // kCollections[0..kRequired)

  std::chrono::milliseconds optionalRecheck_;
  std::mutex optionalMutex_;
  std::condition_variable optionalWake_;
  std::shared_ptr<kube::Reflector> optionalReflector_;  // kCollections[kRequired] while served
  std::atomic<bool> stopping_{false};
  bool optionalFailed_ = false;
  bool optionalAbsentLogged_ = false;
  std::thread optionalThread_;

  struct Decoded {
    kube::ObjectStore::ObjectPtr keep;  // holds the snapshot, so its address stays unique
    DecodedObject object;
  };
  std::map<const nlohmann::json*, Decoded> decoded_;

  std::unique_ptr<kube::Reflector> makeReflector(size_t collection) {
    kube::ObjectStore* s = stores_[collection].get();
    kube::ReflectorOptions options;
    if (collection >= kRequired)
      options.onError = [this](const std::string&) {  // a deleted CRD shows as failing lists/watches
        {
          std::lock_guard<std::mutex> lock(optionalMutex_);
          optionalFailed_ = true;
        }
        optionalWake_.notify_all();
      };
    return std::make_unique<kube::Reflector>(
        client_, kCollections[collection].path,
        [this, s](std::vector<nlohmann::json> items) {
          s->replace(std::move(items));
          changed();
        },
        [this, s](const std::string& type, const nlohmann::json& object) {
          s->apply(type, object);
          changed();
        },
        options);
  }

  // The ClusterNetworkPolicy collection follows its CRD: watched while the server serves it, an empty
  // store while it does not (no CRD, no such objects). Called with optionalMutex_ not held.
  void checkOptional() {
    std::string error;
    auto found = discover(*client_, kClusterPolicyGroupVersion, kClusterPolicyResource, &error);
    std::shared_ptr<kube::Reflector> retired;
    {
      std::lock_guard<std::mutex> lock(optionalMutex_);
      const std::string what = std::string(kClusterPolicyResource) + ".policy.networking.k8s.io/v1alpha2";
      if (found == Discovery::Served && !optionalReflector_) {
        runtime::log(runtime::LogLevel::Info, "watching ClusterNetworkPolicies: the server serves " + what);
        optionalReflector_ = makeReflector(kRequired);
        optionalReflector_->start();
        optionalAbsentLogged_ = false;
      } else if (found == Discovery::Absent && optionalReflector_) {
        runtime::log(runtime::LogLevel::Warn, "ClusterNetworkPolicies no longer watched: the server stopped serving " +
                                                  what + " (CRD deleted); they are dropped from the inputs");
        retired = std::move(optionalReflector_);
      } else if (found == Discovery::Absent && !optionalAbsentLogged_) {
        runtime::log(runtime::LogLevel::Info,
                     "ClusterNetworkPolicies not watched: the server does not serve " + what +
                         " (CRD manifests/crds/ not installed); looking again every " +
                         std::to_string(optionalRecheck_.count()) + " ms");
        optionalAbsentLogged_ = true;
      } else if (found == Discovery::Unknown) {
        runtime::log(runtime::LogLevel::Warn, "cannot tell whether the server serves " + what + ": " + error +
                                                  "; looking again later");
      }
    }
    if (retired) {  // stopped outside the lock: its error callback takes it
      retired->stop();
      stores_[kRequired]->replace({});
      changed();
    }
  }

  void followOptional() {
    std::unique_lock<std::mutex> lock(optionalMutex_);
    while (!stopping_) {
      // While watched, only a failing reflector is a reason to ask (no discovery traffic otherwise).
      if (optionalReflector_)
        optionalWake_.wait(lock, [this] { return stopping_ || optionalFailed_; });
      else
        optionalWake_.wait_for(lock, optionalRecheck_, [this] { return stopping_.load(); });
      if (stopping_) break;
      optionalFailed_ = false;
      lock.unlock();
      checkOptional();
      lock.lock();
    }
  }

  DecodedObject decode(size_t collection, const nlohmann::json& object, const std::string& key) const {
    kube::Location where;
    where.file = server_ + kCollections[collection].path;
    where.item = "object " + key;  // errors name the object
    nlohmann::json typed = object;
    typed["apiVersion"] = kCollections[collection].apiVersion;  // list items carry no kind/apiVersion
    typed["kind"] = kCollections[collection].kind;
    return decodeObject(kube::Manifest(std::move(where), std::move(typed))).value_or(DecodedObject{});
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

std::unique_ptr<ClusterSource> makeApiSource(const std::string& kubeconfig, int syncTimeoutMs,
                                             std::chrono::milliseconds crdRecheck) {
  auto source = std::make_unique<ApiSource>(kubeconfig, crdRecheck);
  source->waitForSync(syncTimeoutMs);
  return source;
}

}  // namespace netpol::agent
