#include "rbac/live_source.h"

#include <nlohmann/json.hpp>

#include "kube/api_client.h"
#include "kube/kubeconfig.h"
#include "kube/list_pager.h"
#include "kube/object_meta_fields.h"

namespace rbac {
namespace {

constexpr const char* kGroupVersion = "rbac.authorization.k8s.io/v1";
constexpr const char* kApiPath = "/apis/rbac.authorization.k8s.io/v1/";

struct Collection {
  const char* resource;
  const char* kind;
  bool namespaced;
};

// The order of `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A`.
constexpr Collection kCollections[] = {
    {"clusterroles", "ClusterRole", false},
    {"clusterrolebindings", "ClusterRoleBinding", false},
    {"roles", "Role", true},
    {"rolebindings", "RoleBinding", true},
};

std::string serverOf(const kube::ApiClient& client) {
  std::string server = client.config().server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  return server;
}

class CollectionLister {
 public:
  CollectionLister(const kube::ApiClient& client, const Collection& collection, const LiveListOptions& options)
      : client_(client), collection_(collection), options_(options), server_(serverOf(client)) {}

  void appendTo(std::vector<kube::Manifest>& out) {
    kube::ListOptions list;
    list.pageSize = options_.pageSize;
    kube::ListResult listed = kube::listCollection(client_, std::string(kApiPath) + collection_.resource, list);
    if (listed.requestFailed() && listed.response.status == 403 && options_.skippedForbidden) {
      options_.skippedForbidden->push_back(fail(listed.response).what());
      return;
    }
    if (listed.requestFailed()) throw fail(listed.response);
    if (!listed.ok()) throw error(listed.error);
    for (size_t i = 0; i < listed.items.size(); ++i) out.push_back(toManifest(std::move(listed.items[i]), i));
  }

 private:
  std::string collectionUrl() const { return server_ + kApiPath + collection_.resource; }

  kube::InputError error(const std::string& problem) const {
    return kube::InputError("cannot list " + std::string(collection_.resource) + "." +
                            "rbac.authorization.k8s.io from " + server_ + ": " + problem);
  }

  kube::InputError fail(const kube::ApiResponse& response) const {
    if (!response.error.empty()) return error("no response (" + response.error + ")");
    std::string problem = response.describe();
    if (response.status == 401)
      problem += " (the kubeconfig's credentials were not accepted)";
    else if (response.status == 403)
      problem += " (kguard needs list on clusterroles, clusterrolebindings, roles and rolebindings cluster-wide)";
    return error(problem);
  }

  // The object's own URL, as its source in reports: ".../namespaces/NS/roles/NAME" or ".../clusterroles/NAME".
  kube::Manifest toManifest(nlohmann::json item, size_t index) const {
    item["kind"] = collection_.kind;
    item["apiVersion"] = kGroupVersion;
    kube::Manifest m;
    std::string name = kube::metadataString(item, "name"), ns = kube::metadataString(item, "namespace");
    if (name.empty() || (collection_.namespaced && ns.empty())) {
      m.where.file = collectionUrl();
      m.where.item = "items[" + std::to_string(index) + "]";
    } else {
      m.where.file = server_ + kApiPath + (collection_.namespaced ? "namespaces/" + ns + "/" : std::string()) +
                     collection_.resource + "/" + name;
    }
    m.where.document = 1;
    m.object = std::move(item);
    return m;
  }

  const kube::ApiClient& client_;
  const Collection& collection_;
  const LiveListOptions& options_;
  std::string server_;
};

}  // namespace

std::vector<kube::Manifest> listRbacManifests(const kube::ApiClient& client, const LiveListOptions& options) {
  std::vector<kube::Manifest> out;
  const size_t skippedBefore = options.skippedForbidden ? options.skippedForbidden->size() : 0;
  for (const auto& collection : kCollections) CollectionLister(client, collection, options).appendTo(out);
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
