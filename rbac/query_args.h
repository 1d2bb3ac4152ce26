#pragma once
// The request that `kguard rbac can-i` / `who-can` arguments describe, as `kubectl auth can-i` would
// send it — and, where kubectl's request differs from what a real client request would carry, as the
// real request (documented in rbac/README.md):
//   - RESOURCE[.GROUP][/SUBRESOURCE] resolves like kubectl (resource_arg.h);
//   - a URL starting with "/" in place of RESOURCE, or --non-resource-url, is a non-resource request;
//   - without -n the namespace is defaultNamespace (kubectl's: the kubeconfig context's, else "default"), except for cluster-scoped resources (none:
//     `kubectl get nodes` carries no namespace) and a named Namespace, which is its own namespace
//     (RequestInfo puts /api/v1/namespaces/NAME in both namespace and name); -A asks cluster-wide.
#include <stdexcept>
#include <string>
#include <vector>

#include "rbac/kubernetes_version.h"
#include "rbac/request.h"

namespace rbac {

struct QueryArgs {
  std::vector<std::string> positional;  // VERB [RESOURCE[/SUBRESOURCE] [NAME]]
  std::string nonResourceURL;
  std::string subresource;  // --subresource
  std::string namespace_;   // -n ("" = not given)
  bool allNamespaces = false;
  int kubernetesMinor = kNewestKubernetesMinor;  // the API server kubectl would ask (its discovery)
  std::string defaultNamespace = "default";  // without -n: kubectl uses the kubeconfig context's namespace
};

// Throws std::invalid_argument for usage errors. `warnings` collects notes for stderr (an unknown
// resource type used as written).
Request requestFromArgs(const QueryArgs& args, std::vector<std::string>& warnings);

}  // namespace rbac
