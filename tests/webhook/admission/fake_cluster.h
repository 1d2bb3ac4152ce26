#pragma once
// In-memory namespaces and pods for admission tests (the API-server-backed version is tested end to end).
#include <map>

#include "kube/manifest.h"
#include "kube/pod_decode.h"
#include "webhook/admission/cluster_state.h"

namespace admission {

class FakeCluster : public NamespaceGetter, public PodLister {
 public:
  std::map<std::string, kube::StringMap> namespaces;
  std::map<std::string, std::vector<kube::PodTemplate>> pods;
  bool failLookups = false;

  NamespaceLookup getNamespace(const std::string& name) override {
    if (failLookups) return {false, {}, "connection refused"};
    auto it = namespaces.find(name);
    if (it == namespaces.end()) return {false, {}, "namespace \"" + name + "\" not found"};
    return {true, it->second, ""};
  }
  PodList listPods(const std::string& ns, std::chrono::milliseconds) override { return {true, pods[ns], ""}; }

  void addPod(const std::string& ns, const std::string& yaml) {
    auto pod = kube::extractPod(kube::parseManifests(yaml, "pod.yaml").at(0).object);
    pods[ns].push_back(*pod);
  }
};

}  // namespace admission
