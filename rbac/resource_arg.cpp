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
};

// The built-in resources of Kubernetes 1.20 discovery (the version of kguard's e2e API server).
// events.k8s.io/events is left out on purpose: kubectl resolves "events" to the core group.
const std::vector<KnownResource>& knownResources() {
  static const std::vector<KnownResource> table = {
      {"", "bindings", "binding"},
      {"", "componentstatuses", "componentstatus,cs"},
      {"", "configmaps", "configmap,cm"},
      {"", "endpoints", "ep"},
      {"", "events", "event,ev"},
      {"", "limitranges", "limitrange,limits"},
      {"", "namespaces", "namespace,ns"},
      {"", "nodes", "node,no"},
      {"", "persistentvolumeclaims", "persistentvolumeclaim,pvc"},
      {"", "persistentvolumes", "persistentvolume,pv"},
      {"", "pods", "pod,po"},
      {"", "podtemplates", "podtemplate"},
      {"", "replicationcontrollers", "replicationcontroller,rc"},
      {"", "resourcequotas", "resourcequota,quota"},
      {"", "secrets", "secret"},
      {"", "serviceaccounts", "serviceaccount,sa"},
      {"", "services", "service,svc"},
      {"admissionregistration.k8s.io", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration"},
      {"admissionregistration.k8s.io", "validatingwebhookconfigurations", "validatingwebhookconfiguration"},
      {"apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition,crd,crds"},
      {"apiregistration.k8s.io", "apiservices", "apiservice"},
      {"apps", "controllerrevisions", "controllerrevision"},
      {"apps", "daemonsets", "daemonset,ds"},
      {"apps", "deployments", "deployment,deploy"},
      {"apps", "replicasets", "replicaset,rs"},
      {"apps", "statefulsets", "statefulset,sts"},
      {"authentication.k8s.io", "tokenreviews", "tokenreview"},
      {"authorization.k8s.io", "localsubjectaccessreviews", "localsubjectaccessreview"},
      {"authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview"},
      {"authorization.k8s.io", "selfsubjectrulesreviews", "selfsubjectrulesreview"},
      {"authorization.k8s.io", "subjectaccessreviews", "subjectaccessreview"},
      {"autoscaling", "horizontalpodautoscalers", "horizontalpodautoscaler,hpa"},
      {"batch", "cronjobs", "cronjob,cj"},
      {"batch", "jobs", "job"},
      {"certificates.k8s.io", "certificatesigningrequests", "certificatesigningrequest,csr"},
      {"coordination.k8s.io", "leases", "lease"},
      {"discovery.k8s.io", "endpointslices", "endpointslice"},
      {"flowcontrol.apiserver.k8s.io", "flowschemas", "flowschema"},
      {"flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", "prioritylevelconfiguration"},
      {"networking.k8s.io", "ingressclasses", "ingressclass"},
      {"networking.k8s.io", "ingresses", "ingress,ing"},
      {"networking.k8s.io", "networkpolicies", "networkpolicy,netpol"},
      {"node.k8s.io", "runtimeclasses", "runtimeclass"},
      {"policy", "poddisruptionbudgets", "poddisruptionbudget,pdb"},
      {"policy", "podsecuritypolicies", "podsecuritypolicy,psp"},
      {"rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding"},
      {"rbac.authorization.k8s.io", "clusterroles", "clusterrole"},
      {"rbac.authorization.k8s.io", "rolebindings", "rolebinding"},
      {"rbac.authorization.k8s.io", "roles", "role"},
      {"scheduling.k8s.io", "priorityclasses", "priorityclass,pc"},
      {"storage.k8s.io", "csidrivers", "csidriver"},
      {"storage.k8s.io", "csinodes", "csinode"},
      {"storage.k8s.io", "storageclasses", "storageclass,sc"},
      {"storage.k8s.io", "volumeattachments", "volumeattachment"},
  };
  return table;
}

bool hasAlias(const char* aliases, const std::string& name) {
  std::string list = aliases;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (list.compare(start, comma == std::string::npos ? std::string::npos : comma - start, name) == 0 &&
        (comma == std::string::npos ? list.size() - start : comma - start) == name.size())
      return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace

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
      return out;
    }
  }
  out.resource = resource;
  out.apiGroup = group;
  out.known = dot != std::string::npos;
  return out;
}

}  // namespace rbac
