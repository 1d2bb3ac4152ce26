#pragma once
// RBAC objects read from a live cluster (`kguard rbac … --kubeconfig F`): the four
// rbac.authorization.k8s.io/v1 collections listed cluster-wide, turned into the same kube::Manifest
// values that `-f` produces from `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml`,
// so that the evaluator, who-can and the audit run unchanged on them.
#include <string>
#include <vector>

#include "kube/manifest.h"

namespace kube {
class ApiClient;
}

namespace rbac {

struct LiveListOptions {
  int pageSize = 500;  // LIST `limit` per page (kubectl's chunk size); 0 lists each collection at once
  // When set, a collection the credentials may not list (403) is left out and explained here
  // ("cannot list roles.rbac.authorization.k8s.io from …: HTTP 403: …") instead of failing the listing;
  // when every collection is forbidden the listing still fails.
  std::vector<std::string>* skippedForbidden = nullptr;
};

// Lists ClusterRoles, ClusterRoleBindings, Roles and RoleBindings (all namespaces), in that order and in
// the server's order within each (what an informer sees), following `continue` tokens; an expired token
// (410) restarts that collection without pagination, as client-go's pager does. List items carry no
// kind/apiVersion: both are set from the collection. Each manifest's location is the object's URL
// ("https://host:6443/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles/reader", document 1), which
// is what reports, who-can and audit print as its source.
//
// Throws kube::InputError naming the server and the collection on any failure: unreachable server,
// HTTP errors (401/403 with a hint about credentials/permissions), bodies that are not a list.
std::vector<kube::Manifest> listRbacManifests(const kube::ApiClient& client, const LiveListOptions& options = {});

// The same from a kubeconfig file (its current context). Kubeconfig errors are kube::InputError too.
std::vector<kube::Manifest> listRbacManifests(const std::string& kubeconfigPath, const LiveListOptions& options = {});

}  // namespace rbac
