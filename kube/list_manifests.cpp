#include "kube/list_manifests.h"

#include "kube/api_client.h"
#include "kube/list_pager.h"
#include "kube/object_meta_fields.h"

namespace kube {
namespace {

std::string serverOf(const ApiClient& client) {
  std::string server = client.config().server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  return server;
}

class ManifestLister {
 public:
  ManifestLister(const ApiClient& client, const CollectionRef& collection, const ManifestListOptions& options)
      : client_(client), collection_(collection), options_(options), server_(serverOf(client)) {}

  bool appendTo(std::vector<Manifest>& out) {
    ListOptions list;
    list.pageSize = options_.pageSize;
    ListResult listed = listCollection(client_, collectionPath(), list);
    const int status = listed.response.status;
    if (listed.requestFailed() && listed.response.error.empty()) {
      if (status == 403 && options_.skippedForbidden) {
        options_.skippedForbidden->push_back(fail(listed.response).what());
        return false;
      }
      if (status == 404 && options_.skippedNotServed) {
        options_.skippedNotServed->push_back(error(listed.response.describe() + " (the server does not serve " +
                                                   collection_.groupVersion + " " + collection_.resource + ")").what());
        return false;
      }
    }
    if (listed.requestFailed()) throw fail(listed.response);
    if (!listed.ok()) throw error(listed.error);
    out.reserve(out.size() + listed.items.size());
    for (size_t i = 0; i < listed.items.size(); ++i) out.push_back(toManifest(std::move(listed.items[i]), i));
    return true;
  }

 private:
  std::string collectionPath() const {
    std::string scope = options_.namespace_.empty() ? "" : "namespaces/" + urlEncode(options_.namespace_) + "/";
    return collection_.apiPath() + scope + collection_.resource;
  }

  InputError error(const std::string& problem) const {
    return InputError("cannot list " + collection_.qualifiedName() + " from " + server_ + ": " + problem);
  }

  InputError fail(const ApiResponse& response) const {
    if (!response.error.empty()) return error("no response (" + response.error + ")");
    std::string problem = response.describe();
    if (response.status == 401)
      problem += " (the kubeconfig's credentials were not accepted)";
    else if (response.status == 403 && !options_.forbiddenHint.empty())
      problem += " (" + options_.forbiddenHint + ")";
    return error(problem);
  }

  // The object's own URL, as its source in reports: ".../namespaces/NS/roles/NAME" or ".../clusterroles/NAME".
  Manifest toManifest(nlohmann::json item, size_t index) const {
    item["kind"] = collection_.kind;
    item["apiVersion"] = collection_.groupVersion;
    Location where;
    std::string name = metadataString(item, "name"), ns = metadataString(item, "namespace");
    if (name.empty() || (collection_.namespaced && ns.empty())) {
      where.file = server_ + collectionPath();
      where.item = "items[" + std::to_string(index) + "]";
    } else {
      where.file = server_ + collection_.apiPath() + (collection_.namespaced ? "namespaces/" + ns + "/" : std::string()) +
                   collection_.resource + "/" + name;
    }
    where.document = 1;
    return Manifest(std::move(where), std::move(item));
  }

  const ApiClient& client_;
  const CollectionRef& collection_;
  const ManifestListOptions& options_;
  std::string server_;
};

}  // namespace

std::string CollectionRef::apiPath() const {
  return groupVersion.find('/') == std::string::npos ? "/api/" + groupVersion + "/" : "/apis/" + groupVersion + "/";
}

std::string CollectionRef::qualifiedName() const {
  auto slash = groupVersion.find('/');
  return slash == std::string::npos ? resource : resource + "." + groupVersion.substr(0, slash);
}

bool listManifests(const ApiClient& client, const CollectionRef& collection, const ManifestListOptions& options,
                   std::vector<Manifest>& out) {
  return ManifestLister(client, collection, options).appendTo(out);
}

}  // namespace kube
