#include "rbac/query_args.h"

#include <set>

#include "rbac/resource_arg.h"

namespace rbac {
namespace {

// Verbs some request or authorizer asks (RequestInfo's, plus the RBAC, PodSecurityPolicy, CSR and
// impersonation checks), as kubectl auth can-i's known-verb lists; RBAC compares verbs case-sensitively.
bool knownResourceVerb(const std::string& v) {
  static const std::set<std::string> verbs = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
                                              "use", "bind", "escalate", "impersonate", "approve", "sign", "attest", "proxy", "*"};
  return verbs.count(v) > 0;
}
bool knownNonResourceVerb(const std::string& v) {
  static const std::set<std::string> verbs = {"get", "put", "post", "head", "options", "delete", "patch", "*"};
  return verbs.count(v) > 0;
}
std::string unknownVerb(const std::string& v) {
  return "verb '" + v + "' is not a known verb (verbs are compared case-sensitively: a rule's get does not allow GET)";
}

Request nonResourceRequest(const std::string& verb, const std::string& url, std::vector<std::string>& warnings) {
  if (!knownNonResourceVerb(verb)) warnings.push_back(unknownVerb(verb));
  if (url.empty() || url[0] != '/')
    warnings.push_back("non-resource URL '" + url + "' does not start with /: no request has such a path (write /" + url + ")");
  return Request::nonResource(verb, url);
}

}  // namespace

Request requestFromArgs(const QueryArgs& a, std::vector<std::string>& warnings) {
  const auto& args = a.positional;
  if (args.empty()) throw std::invalid_argument("missing VERB");
  if (!a.nonResourceURL.empty()) {
    if (args.size() != 1) throw std::invalid_argument("--non-resource-url takes only VERB (no RESOURCE or NAME)");
    return nonResourceRequest(args[0], a.nonResourceURL, warnings);
  }
  // kubectl auth can-i VERB /path: a second argument starting with "/" is a non-resource URL.
  if (args.size() == 2 && !args[1].empty() && args[1][0] == '/') return nonResourceRequest(args[0], args[1], warnings);
  if (args.size() < 2 || args.size() > 3) throw std::invalid_argument("expected VERB RESOURCE[/SUBRESOURCE] [NAME]");
  ResourceArg resource = parseResourceArg(args[1], a.kubernetesMinor);
  if (!knownResourceVerb(args[0])) warnings.push_back(unknownVerb(args[0]));
  if (!resource.warning.empty()) {
    warnings.push_back(resource.warning);
    warnings.push_back(resource.hint);
  } else if (!resource.known)
    warnings.push_back("resource type '" + resource.resource + "' is not a built-in resource; using the core group (write RESOURCE.GROUP)");
  if (!a.subresource.empty()) {
    if (!resource.subresource.empty() && resource.subresource != a.subresource)
      throw std::invalid_argument("--subresource " + a.subresource + " conflicts with " + args[1]);
    resource.subresource = a.subresource;
  }
  // `kubectl auth can-i delete configmaps/cm1` means the configmap named cm1; here the slash names a
  // subresource (docs/cli-contract.md), so say so when the built-in resource has no such subresource.
  if (resource.builtIn && !resource.subresource.empty() &&
      !servesSubresource(resource.resource, resource.subresource))
    warnings.push_back(resource.resource + " has no subresource \"" + resource.subresource + "\" (RESOURCE/SUBRESOURCE; a name " +
                       "is the next argument: VERB " + resource.resource + " " + resource.subresource + ")");
  // kubectl's Validate: a cluster-scoped resource asked in a namespace. The request keeps it, as
  // kubectl's does; a real one carries none (except namespaces NAME, whose namespace is NAME).
  if (resource.served && !resource.namespaced && !a.namespace_.empty() && !a.allNamespaces) {
    warnings.push_back("resource '" + resource.resource + "' is not namespace scoped" +
                       (resource.apiGroup.empty() ? "" : " in group '" + resource.apiGroup + "'"));
    if (!(resource.apiGroup.empty() && resource.resource == "namespaces"))
      warnings.push_back("a real request for " + resource.resource +
                         " carries no namespace: a RoleBinding's grant is never used (ask without -n)");
  }
  std::string name = args.size() == 3 ? args[2] : "";
  std::string ns = a.namespace_;
  if (a.allNamespaces) {
    ns = "";
  } else if (ns.empty()) {
    if (resource.apiGroup.empty() && resource.resource == "namespaces") ns = name;
    else ns = resource.namespaced ? a.defaultNamespace : "";
  }
  return Request::resource_(args[0], resource.apiGroup, resource.resource, resource.subresource, ns, name);
}

}  // namespace rbac
