#include "rbac/resource_arg.h"

#include <algorithm>
#include <cctype>
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

}  // namespace

bool servesSubresource(const std::string& resource, const std::string& subresource) {
  for (const auto& [r, subresources] : knownSubresources())
    if (resource == r) return hasAlias(subresources, subresource);
  return false;
}

ResourceArg parseResourceArg(const std::string& arg) {
  ResourceArg out;
  std::string type = arg;
  size_t slash = arg.find('/');
  if (slash != std::string::npos) {
    type = arg.substr(0, slash);
    out.subresource = arg.substr(slash + 1);
  }
  if (type == "*") {  // kubectl passes "*" through untouched
    out.resource = type;
    return out;
  }
  std::string lower = type;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  size_t dot = lower.find('.');
  std::string resource = lower.substr(0, dot);
  std::string group = dot == std::string::npos ? "" : lower.substr(dot + 1);
  for (const auto& k : knownResources()) {
    if ((resource == k.resource || hasAlias(k.aliases, resource)) && (dot == std::string::npos || group == k.group)) {
      out.apiGroup = k.group;
      out.resource = k.resource;
      out.namespaced = k.namespaced;
      out.builtIn = true;
      return out;
    }
  }
  out.resource = resource;
  out.apiGroup = group;
  out.known = dot != std::string::npos;
  return out;
}

}  // namespace rbac
