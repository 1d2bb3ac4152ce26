#pragma once
// A listed API collection as kube::Manifest values, the same ones `-f` reads from a `kubectl get … -o
// yaml` export: kind/apiVersion filled in (list items carry neither) and the object's own URL as its
// source ("https://host:6443/api/v1/namespaces/dev/pods/web", document 1). Paginated by kube/list_pager.h.
#include <string>
#include <vector>

#include "kube/manifest.h"

namespace kube {

class ApiClient;

// A collection: "/api/v1/" + "pods", or "/apis/rbac.authorization.k8s.io/v1/" + "roles".
struct CollectionRef {
  std::string groupVersion;  // "v1", "apps/v1", "rbac.authorization.k8s.io/v1"
  std::string resource;      // "pods"
  std::string kind;          // "Pod"
  bool namespaced = true;

  std::string apiPath() const;        // "/api/v1/" or "/apis/apps/v1/"
  std::string qualifiedName() const;  // "pods" / "deployments.apps" (as in the API server's 403 messages)
};

struct ManifestListOptions {
  int pageSize = 500;      // `limit` per page (kubectl's chunk size); 0 lists the collection at once
  std::string namespace_;  // list one namespace (…/namespaces/NS/pods); "" = all namespaces
  // When set, a 403 leaves the collection out with the reason appended here instead of throwing.
  std::vector<std::string>* skippedForbidden = nullptr;
  // When set, a 404 (an API group or version the server does not serve, such as batch/v1 CronJobs
  // before 1.21) leaves the collection out with the reason appended here instead of throwing.
  std::vector<std::string>* skippedNotServed = nullptr;
  std::string forbiddenHint;  // appended to a 403 message: which permission the caller needs
};

// Appends every item to `out` in the server's order; false when the collection was skipped (403/404).
// Throws kube::InputError naming the server and the collection on any other failure (unreachable
// server, HTTP errors with a hint for 401/403, bodies that are not a list).
bool listManifests(const ApiClient& client, const CollectionRef& collection, const ManifestListOptions& options,
                   std::vector<Manifest>& out);

}  // namespace kube
