#pragma once
// In-memory namespaces and pods for admission tests (the API-server-backed version is tested end to end).
#include <atomic>
#include <map>
#include <thread>

#include "kube/manifest.h"
#include "kube/pod_decode.h"
#include "webhook/admission/cluster_state.h"

namespace admission {

class FakeCluster : public NamespaceGetter, public PodLister {
 public:
  std::map<std::string, kube::StringMap> namespaces;
  std::map<std::string, std::vector<kube::PodTemplate>> pods;
  bool failLookups = false;
  std::chrono::milliseconds lookupDelay{0};  // to hold requests in flight (drain tests)

  std::atomic<int> lookups{0};  // getNamespace calls (server threads count, tests read)
  Deadline lastLookupDeadline = kNoDeadline;
  std::chrono::milliseconds lastPodListTimeout{-1};
  // Pod lists take as long as they may (the API server answering at its timeoutSeconds).
  bool podListsTakeTheirTimeout = false;

  NamespaceLookup getNamespace(const std::string& name, Deadline deadline) override {
    ++lookups;
    lastLookupDeadline = deadline;
    if (lookupDelay.count()) std::this_thread::sleep_for(lookupDelay);
    if (failLookups) return {false, {}, "connection refused"};
    auto it = namespaces.find(name);
    if (it == namespaces.end()) return {false, {}, "namespace \"" + name + "\" not found"};
    return {true, it->second, ""};
  }
  // Slow or failing lookups count as "not cached", so the server runs them off its event loop.
  bool hasCached(const std::string& name) const override {
    return lookupDelay.count() == 0 && !failLookups && namespaces.count(name) > 0;
  }
  std::map<std::string, std::vector<std::string>> controllerUids;  // per namespace, by pod index
  PodList listPods(const std::string& ns, std::chrono::milliseconds timeout) override {
    lastPodListTimeout = timeout;
    if (podListsTakeTheirTimeout) std::this_thread::sleep_for(timeout);
    return {true, pods[ns], "", controllerUids[ns]};
  }

  void addPod(const std::string& ns, const std::string& yaml, const std::string& controllerUid = "") {
    pods[ns].push_back(*kube::parseManifests(yaml, "pod.yaml").at(0).pod().get());
    controllerUids[ns].resize(pods[ns].size());
    controllerUids[ns].back() = controllerUid;
  }
};

}  // namespace admission
