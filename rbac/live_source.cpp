#include "rbac/live_source.h"

#include "kube/api_client.h"
#include "kube/kubeconfig.h"
#include "kube/list_manifests.h"

namespace rbac {
namespace {

// The order of `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A`.
const kube::CollectionRef kCollections[] = {
    {"rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false},
    {"rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false},
    {"rbac.authorization.k8s.io/v1", "roles", "Role", true},
    {"rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true},
};

}  // namespace

std::vector<kube::Manifest> listRbacManifests(const kube::ApiClient& client, const LiveListOptions& options) {
  std::vector<kube::Manifest> out;
  kube::ManifestListOptions list;
  list.pageSize = options.pageSize;
  list.skippedForbidden = options.skippedForbidden;
  list.forbiddenHint = "kguard needs list on clusterroles, clusterrolebindings, roles and rolebindings cluster-wide";
  const size_t skippedBefore = options.skippedForbidden ? options.skippedForbidden->size() : 0;
  for (const auto& collection : kCollections) kube::listManifests(client, collection, list, out);
  // Nothing listed at all is no partial view: an empty policy would read as a clean cluster.
  if (options.skippedForbidden && options.skippedForbidden->size() - skippedBefore == std::size(kCollections))
    throw kube::InputError((*options.skippedForbidden)[skippedBefore]);
  return out;
}

std::vector<kube::Manifest> listRbacManifests(const std::string& kubeconfigPath, const LiveListOptions& options) {
  kube::ApiClient client(kube::loadKubeconfig(kubeconfigPath));
  return listRbacManifests(client, options);
}

}  // namespace rbac
