#pragma once
// The objects `kguard audit --kubeconfig` reads from a live cluster: the collections of
// `kubectl get namespaces,pods,serviceaccounts,networkpolicies,roles,rolebindings,clusterroles,
// clusterrolebindings,persistentvolumeclaims,resourcequotas,limitranges -A -o yaml` plus the workloads
// (deployments, daemonsets, statefulsets, replicasets, jobs, cronjobs) and ClusterNetworkPolicies
// (policy.networking.k8s.io/v1alpha2, when the API serves them), each through kube/list_pager.h,
// so that the audit of a live cluster and of its export are the same.
#include <functional>
#include <string>
#include <vector>

#include "kube/manifest.h"

namespace kube {
class ApiClient;
}

namespace audit {

struct LiveListing {
  std::vector<kube::Manifest> manifests;
  // Collections left out, each with why: 403 (the credentials may not list it) or 404 (not served).
  std::vector<std::string> skipped;
};

struct LiveOptions {
  std::vector<std::string> namespaces;  // -n: namespaced collections listed in these only (empty = all)
  int pageSize = 500;
  // Called after each collection is read: "pods", objects read so far.
  std::function<void(const std::string& resource, size_t items)> progress;
  // When set, each collection's objects are handed over as soon as it is listed (to be decoded and
  // released) instead of being collected in LiveListing::manifests.
  std::function<void(std::vector<kube::Manifest> collection)> consume;
};

// Throws kube::InputError on anything but 403/404 (unreachable server, bad credentials, bad bodies), and
// when every collection is forbidden (nothing to audit is no clean cluster).
LiveListing listCluster(const kube::ApiClient& client, const LiveOptions& options);

}  // namespace audit
