#include "rbac/resource_arg.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

namespace rbac {
namespace {

struct KnownResource {
  const char* group;
  const char* resource;
  const char* aliases;  // singular and short names, comma-separated
  bool namespaced;
};

// The built-in resources of Kubernetes 1.20 discovery (the version of kguard's e2e API server).
// events.k8s.io/events is left out on purpose: kubectl resolves "events" to the core group.
const std::vector<KnownResource>& knownResources() {
  static const std::vector<KnownResource> table = {
      {"", "bindings", "binding", true},
      {"", "componentstatuses", "componentstatus,cs", false},
      {"", "configmaps", "configmap,cm", true},
      {"", "endpoints", "ep", true},
      {"", "events", "event,ev", true},
      {"", "limitranges", "limitrange,limits", true},
      {"", "namespaces", "namespace,ns", false},
      {"", "nodes", "node,no", false},
      {"", "persistentvolumeclaims", "persistentvolumeclaim,pvc", true},
      {"", "persistentvolumes", "persistentvolume,pv", false},
      {"", "pods", "pod,po", true},
      {"", "podtemplates", "podtemplate", true},
      {"", "replicationcontrollers", "replicationcontroller,rc", true},
      {"", "resourcequotas", "resourcequota,quota", true},
      {"", "secrets", "secret", true},
      {"", "serviceaccounts", "serviceaccount,sa", true},
      {"", "services", "service,svc", true},
      {"admissionregistration.k8s.io", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", false},
      {"admissionregistration.k8s.io", "validatingwebhookconfigurations", "validatingwebhookconfiguration", false},
      {"apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition,crd,crds", false},
      {"apiregistration.k8s.io", "apiservices", "apiservice", false},
      {"apps", "controllerrevisions", "controllerrevision", true},
      {"apps", "daemonsets", "daemonset,ds", true},
      {"apps", "deployments", "deployment,deploy", true},
      {"apps", "replicasets", "replicaset,rs", true},
      {"apps", "statefulsets", "statefulset,sts", true},
      {"authentication.k8s.io", "tokenreviews", "tokenreview", false},
      {"authorization.k8s.io", "localsubjectaccessreviews", "localsubjectaccessreview", true},
      {"authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview", false},
      {"authorization.k8s.io", "selfsubjectrulesreviews", "selfsubjectrulesreview", false},
      {"authorization.k8s.io", "subjectaccessreviews", "subjectaccessreview", false},
      {"autoscaling", "horizontalpodautoscalers", "horizontalpodautoscaler,hpa", true},
      {"batch", "cronjobs", "cronjob,cj", true},
      {"batch", "jobs", "job", true},
      {"certificates.k8s.io", "certificatesigningrequests", "certificatesigningrequest,csr", false},
      {"coordination.k8s.io", "leases", "lease", true},
      {"discovery.k8s.io", "endpointslices", "endpointslice", true},
      {"flowcontrol.apiserver.k8s.io", "flowschemas", "flowschema", false},
      {"flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", "prioritylevelconfiguration", false},
      {"networking.k8s.io", "ingressclasses", "ingressclass", false},
      {"networking.k8s.io", "ingresses", "ingress,ing", true},
      {"networking.k8s.io", "networkpolicies", "networkpolicy,netpol", true},
      {"node.k8s.io", "runtimeclasses", "runtimeclass", false},
      {"policy", "poddisruptionbudgets", "poddisruptionbudget,pdb", true},
      {"policy", "podsecuritypolicies", "podsecuritypolicy,psp", false},
      {"rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding", false},
      {"rbac.authorization.k8s.io", "clusterroles", "clusterrole", false},
      {"rbac.authorization.k8s.io", "rolebindings", "rolebinding", true},
      {"rbac.authorization.k8s.io", "roles", "role", true},
      {"scheduling.k8s.io", "priorityclasses", "priorityclass,pc", false},
      // Not served, only authorized: what the impersonation filter asks for, without a namespace.
      {"", "users", "user", false},
      {"", "groups", "group", false},
      {"authentication.k8s.io", "uids", "uid", false},
      {"authentication.k8s.io", "userextras", "userextra", false},
      {"storage.k8s.io", "csidrivers", "csidriver", false},
      {"storage.k8s.io", "csinodes", "csinode", false},
      {"storage.k8s.io", "storageclasses", "storageclass,sc", false},
      {"storage.k8s.io", "volumeattachments", "volumeattachment", false},
  };
  return table;
}

// The subresources built-in resources serve (1.20 discovery, plus pods/resize of 1.33): a slash after
// any other resource is most likely kubectl's TYPE/NAME habit.
const std::vector<std::pair<const char*, const char*>>& knownSubresources() {
  static const std::vector<std::pair<const char*, const char*>> table = {
      {"pods", "attach,binding,ephemeralcontainers,eviction,exec,log,portforward,proxy,resize,status"},
      {"nodes", "proxy,status"},
      {"services", "proxy,status"},
      {"namespaces", "finalize,status"},
      {"serviceaccounts", "token"},
      {"replicationcontrollers", "scale,status"},
      {"deployments", "scale,status"},
      {"replicasets", "scale,status"},
      {"statefulsets", "scale,status"},
      {"certificatesigningrequests", "approval,status"},
      {"daemonsets", "status"}, {"jobs", "status"}, {"cronjobs", "status"}, {"persistentvolumeclaims", "status"},
      {"persistentvolumes", "status"}, {"resourcequotas", "status"}, {"horizontalpodautoscalers", "status"},
      {"apiservices", "status"}, {"customresourcedefinitions", "status"}, {"ingresses", "status"},
      {"poddisruptionbudgets", "status"}, {"flowschemas", "status"}, {"prioritylevelconfigurations", "status"},
      {"volumeattachments", "status"},
  };
  return table;
}

bool hasAlias(const std::string& aliases, const std::string& name) {
  return ("," + aliases + ",").find("," + name + ",") != std::string::npos;
}

// kubectl's RESTMapper over the built-in table: a resource, singular or short name in `group` (any group
// when `anyGroup`, the table's order deciding).
const KnownResource* findKnown(const std::string& resource, const std::string& group, bool anyGroup) {
  for (const auto& k : knownResources())
    if ((resource == k.resource || hasAlias(k.aliases, resource)) && (anyGroup || group == k.group)) return &k;
  return nullptr;
}

bool isBuiltInGroup(const std::string& group) {
  if (group == "extensions") return true;  // served ingresses until 1.22; not in the 1.20 table otherwise
  return std::any_of(knownResources().begin(), knownResources().end(), [&](const KnownResource& k) { return group == k.group; });
}

// A Kubernetes API version: v1, v2beta1, v1alpha2 (k8s.io/apimachinery/pkg/version.CompareKubeAwareVersionStrings' form).
bool isVersion(const std::string& s) {
  size_t i = 1;
  auto digits = [&] {
    size_t from = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i > from;
  };
  if (s.empty() || s[0] != 'v' || !digits()) return false;
  for (const char* stage : {"alpha", "beta"})
    if (s.compare(i, std::strlen(stage), stage) == 0) {
      i += std::strlen(stage);
      return digits() && i == s.size();
    }
  return i == s.size();
}

ResourceArg resolved(const KnownResource& k) {
  ResourceArg out;
  out.apiGroup = k.group;
  out.resource = k.resource;
  out.namespaced = k.namespaced;
  out.builtIn = true;
  return out;
}

}  // namespace

bool servesSubresource(const std::string& resource, const std::string& subresource) {
  // Impersonation asks userextras/KEY for every extra key (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go).
  if (resource == "userextras") return !subresource.empty();
  for (const auto& [r, subresources] : knownSubresources())
    if (resource == r) return hasAlias(subresources, subresource);
  return false;
}

// kubectl auth can-i's resourceFor (staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go): the lowercased
// argument through schema.ParseResourceArg (apimachinery/pkg/runtime/schema/group_version.go): with two
// or more dots RESOURCE.VERSION.GROUP is tried first (deployments.v1.apps, pods.v1. for the core
// group), then RESOURCE.GROUP split at the first dot (deployments.apps, widgets.example.com).
ResourceArg parseResourceArg(const std::string& arg) {
  std::string type = arg;
  std::string subresource;
  size_t slash = arg.find('/');
  if (slash != std::string::npos) {
    type = arg.substr(0, slash);
    subresource = arg.substr(slash + 1);
  }
  ResourceArg out = [&] {
    ResourceArg out;
    if (type == "*") {  // kubectl passes "*" through untouched
      out.resource = type;
      return out;
    }
    std::string lower = type;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    size_t dot = lower.find('.');
    if (std::count(lower.begin(), lower.end(), '.') >= 2) {
      size_t second = lower.find('.', dot + 1);
      std::string version = lower.substr(dot + 1, second - dot - 1);
      // The table has no versions: any version-shaped one is taken as served.
      if (isVersion(version))
        if (const KnownResource* k = findKnown(lower.substr(0, dot), lower.substr(second + 1), false)) return resolved(*k);
    }
    std::string resource = lower.substr(0, dot);
    std::string group = dot == std::string::npos ? "" : lower.substr(dot + 1);
    if (const KnownResource* k = findKnown(resource, group, dot == std::string::npos)) return resolved(*k);
    out.resource = resource;
    out.apiGroup = group;
    out.known = dot != std::string::npos;
    // A group without a dot that no built-in resource has cannot be served (a CustomResourceDefinition's
    // group has a dot): kubectl warns, and asks for the argument as written as a resource of the core group.
    if (out.known && group.find('.') == std::string::npos && !isBuiltInGroup(group)) {
      out.warning = "the server doesn't have a resource type '" + resource + "' in group '" + group + "' (as kubectl, " +
                    "asking for resource '" + type + "' in the core group; RESOURCE.VERSION.GROUP needs the group: " +
                    resource + "." + group + ". is the core group)";
      out.resource = type;
      out.apiGroup = "";
    }
    return out;
  }();
  out.subresource = subresource;
  return out;
}

}  // namespace rbac
