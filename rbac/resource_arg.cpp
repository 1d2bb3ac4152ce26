#include "rbac/resource_arg.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

#include "rbac/kubernetes_version.h"

namespace rbac {
namespace {

struct KnownResource {
  const char* group;
  const char* resource;
  const char* aliases;  // singular and short names, comma-separated
  bool namespaced;
  // The versions discovery lists, for kubectl's RESOURCE.VERSION.GROUP: comma-separated, each served from
  // 1.20 on unless it carries `>=N` (added in 1.N) or `<N` (removed in 1.N), as the deprecation guide
  // (kubernetes.io/docs/reference/using-api/deprecation-guide) lists them; 1.20's are its discovery.
  // Empty: authorized but never served (the impersonation resources).
  const char* versions;
};

// The built-in resources of Kubernetes 1.20 discovery (the version of kguard's e2e API server), with the
// versions later releases add or remove and the resources they add as GA. A bare name resolves to the first entry that has it, as kubectl's
// priority REST mapper does: "events" to the core group, "ingresses" to networking.k8s.io (the last two
// entries are reached only through their group).
const std::vector<KnownResource>& knownResources() {
  static const std::vector<KnownResource> table = {
      {"", "bindings", "binding", true, "v1"},
      {"", "componentstatuses", "componentstatus,cs", false, "v1"},
      {"", "configmaps", "configmap,cm", true, "v1"},
      {"", "endpoints", "ep", true, "v1"},
      {"", "events", "event,ev", true, "v1"},
      {"", "limitranges", "limitrange,limits", true, "v1"},
      {"", "namespaces", "namespace,ns", false, "v1"},
      {"", "nodes", "node,no", false, "v1"},
      {"", "persistentvolumeclaims", "persistentvolumeclaim,pvc", true, "v1"},
      {"", "persistentvolumes", "persistentvolume,pv", false, "v1"},
      {"", "pods", "pod,po", true, "v1"},
      {"", "podtemplates", "podtemplate", true, "v1"},
      {"", "replicationcontrollers", "replicationcontroller,rc", true, "v1"},
      {"", "resourcequotas", "resourcequota,quota", true, "v1"},
      {"", "secrets", "secret", true, "v1"},
      {"", "serviceaccounts", "serviceaccount,sa", true, "v1"},
      {"", "services", "service,svc", true, "v1"},
      {"admissionregistration.k8s.io", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", false, "v1,v1beta1<22"},
      {"admissionregistration.k8s.io", "validatingwebhookconfigurations", "validatingwebhookconfiguration", false, "v1,v1beta1<22"},
      // Added after 1.20 (GA versions only: new beta APIs are off by default since 1.24, KEP-3136).
      {"admissionregistration.k8s.io", "validatingadmissionpolicies", "validatingadmissionpolicy", false, "v1>=30"},
      {"admissionregistration.k8s.io", "validatingadmissionpolicybindings", "validatingadmissionpolicybinding", false, "v1>=30"},
      {"apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition,crd,crds", false, "v1,v1beta1<22"},
      {"apiregistration.k8s.io", "apiservices", "apiservice", false, "v1,v1beta1<22"},
      {"apps", "controllerrevisions", "controllerrevision", true, "v1"},
      {"apps", "daemonsets", "daemonset,ds", true, "v1"},
      {"apps", "deployments", "deployment,deploy", true, "v1"},
      {"apps", "replicasets", "replicaset,rs", true, "v1"},
      {"apps", "statefulsets", "statefulset,sts", true, "v1"},
      {"authentication.k8s.io", "tokenreviews", "tokenreview", false, "v1,v1beta1<22"},
      {"authentication.k8s.io", "selfsubjectreviews", "selfsubjectreview", false, "v1>=28"},
      {"authorization.k8s.io", "localsubjectaccessreviews", "localsubjectaccessreview", true, "v1,v1beta1<22"},
      {"authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview", false, "v1,v1beta1<22"},
      {"authorization.k8s.io", "selfsubjectrulesreviews", "selfsubjectrulesreview", false, "v1,v1beta1<22"},
      {"authorization.k8s.io", "subjectaccessreviews", "subjectaccessreview", false, "v1,v1beta1<22"},
      {"autoscaling", "horizontalpodautoscalers", "horizontalpodautoscaler,hpa", true, "v1,v2beta1<25,v2beta2<26,v2>=23"},
      {"batch", "cronjobs", "cronjob,cj", true, "v1beta1<25,v1>=21"},
      {"batch", "jobs", "job", true, "v1"},
      {"certificates.k8s.io", "certificatesigningrequests", "certificatesigningrequest,csr", false, "v1,v1beta1<22"},
      {"coordination.k8s.io", "leases", "lease", true, "v1,v1beta1<22"},
      {"discovery.k8s.io", "endpointslices", "endpointslice", true, "v1beta1<25,v1>=21"},
      {"flowcontrol.apiserver.k8s.io", "flowschemas", "flowschema", false, "v1beta1<26,v1beta2>=23<29,v1beta3>=26<32,v1>=29"},
      {"flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", "prioritylevelconfiguration", false, "v1beta1<26,v1beta2>=23<29,v1beta3>=26<32,v1>=29"},
      {"networking.k8s.io", "ingressclasses", "ingressclass", false, "v1,v1beta1<22"},
      {"networking.k8s.io", "ingresses", "ingress,ing", true, "v1,v1beta1<22"},
      {"networking.k8s.io", "networkpolicies", "networkpolicy,netpol", true, "v1"},
      {"networking.k8s.io", "servicecidrs", "servicecidr", false, "v1>=33"},
      {"networking.k8s.io", "ipaddresses", "ipaddress,ip", false, "v1>=33"},
      {"resource.k8s.io", "deviceclasses", "deviceclass", false, "v1>=34"},
      {"resource.k8s.io", "resourceclaims", "resourceclaim", true, "v1>=34"},
      {"resource.k8s.io", "resourceclaimtemplates", "resourceclaimtemplate", true, "v1>=34"},
      {"resource.k8s.io", "resourceslices", "resourceslice", false, "v1>=34"},
      {"node.k8s.io", "runtimeclasses", "runtimeclass", false, "v1,v1beta1<25"},
      {"policy", "poddisruptionbudgets", "poddisruptionbudget,pdb", true, "v1beta1<25,v1>=21"},
      {"policy", "podsecuritypolicies", "podsecuritypolicy,psp", false, "v1beta1<25"},
      {"rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding", false, "v1,v1beta1<22"},
      {"rbac.authorization.k8s.io", "clusterroles", "clusterrole", false, "v1,v1beta1<22"},
      {"rbac.authorization.k8s.io", "rolebindings", "rolebinding", true, "v1,v1beta1<22"},
      {"rbac.authorization.k8s.io", "roles", "role", true, "v1,v1beta1<22"},
      {"scheduling.k8s.io", "priorityclasses", "priorityclass,pc", false, "v1,v1beta1<22"},
      // Not served, only authorized: what the impersonation filter asks for, without a namespace.
      {"", "users", "user", false, ""},
      {"", "groups", "group", false, ""},
      {"authentication.k8s.io", "uids", "uid", false, ""},
      {"authentication.k8s.io", "userextras", "userextra", false, ""},
      {"storage.k8s.io", "csidrivers", "csidriver", false, "v1,v1beta1<22"},
      {"storage.k8s.io", "csinodes", "csinode", false, "v1,v1beta1<22"},
      {"storage.k8s.io", "storageclasses", "storageclass,sc", false, "v1,v1beta1<22"},
      {"storage.k8s.io", "volumeattachments", "volumeattachment", false, "v1,v1beta1<22"},
      {"storage.k8s.io", "csistoragecapacities", "csistoragecapacity", true, "v1beta1>=21<27,v1>=24"},
      {"storage.k8s.io", "volumeattributesclasses", "volumeattributesclass,vac", false, "v1>=34"},
      {"events.k8s.io", "events", "event,ev", true, "v1,v1beta1<25"},
      {"extensions", "ingresses", "ingress,ing", true, "v1beta1<22"},
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
      {"volumeattachments", "status"}, {"validatingadmissionpolicies", "status"}, {"servicecidrs", "status"},
      {"resourceclaims", "status"},
  };
  return table;
}

bool hasAlias(const std::string& aliases, const std::string& name) {
  return ("," + aliases + ",").find("," + name + ",") != std::string::npos;
}

// Whether `entry` of KnownResource::versions ("v1beta1<25", "v1>=21", "v1beta2>=23<29") is served in
// 1.`minor`; its version goes to `version`.
bool entryServed(const std::string& entry, int minor, std::string& version) {
  size_t cut = entry.find_first_of("<>");
  version = entry.substr(0, cut);
  int from = kOldestKubernetesMinor, until = kNewestKubernetesMinor + 1;
  for (size_t at = cut; at != std::string::npos; at = entry.find_first_of("<>", at + 1)) {
    if (entry[at] == '>') from = std::stoi(entry.substr(at + 2));
    else until = std::stoi(entry.substr(at + 1));
  }
  return minor >= from && minor < until;
}

// The versions of `k` that 1.`minor` serves, in table order.
std::vector<std::string> servedVersions(const KnownResource& k, int minor) {
  std::vector<std::string> out;
  std::string versions = k.versions, version;
  for (size_t from = 0; from < versions.size();) {
    size_t comma = versions.find(',', from);
    if (comma == std::string::npos) comma = versions.size();
    if (entryServed(versions.substr(from, comma - from), minor, version)) out.push_back(version);
    from = comma + 1;
  }
  return out;
}

// In discovery of 1.`minor` (or authorized without being served: empty versions).
bool exists(const KnownResource& k, int minor) { return k.versions[0] == '\0' || !servedVersions(k, minor).empty(); }

// kubectl's RESTMapper over the built-in table at 1.`minor`: a resource, singular or short name in
// `group` (any group when `anyGroup`, the table's order deciding).
const KnownResource* findKnown(const std::string& resource, const std::string& group, bool anyGroup, int minor) {
  for (const auto& k : knownResources())
    if ((resource == k.resource || hasAlias(k.aliases, resource)) && (anyGroup || group == k.group) && exists(k, minor))
      return &k;
  return nullptr;
}

bool isBuiltInGroup(const std::string& group, int minor) {
  return std::any_of(knownResources().begin(), knownResources().end(),
                     [&](const KnownResource& k) { return group == k.group && exists(k, minor); });
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
  out.served = k.versions[0] != '\0';
  return out;
}

// What kubectl does when its REST mapper finds neither reading: warn, and ask for the argument as
// written (`type`, not lowercased) as a core-group resource, which only rules for "*" (or that very
// string) allow.
ResourceArg unresolvable(const std::string& type, const std::string& resource, const std::string& group, int minor) {
  ResourceArg out;
  out.resource = type;
  out.known = false;
  out.warning = "the server doesn't have a resource type '" + resource + "' in group '" + group + "'";
  out.hint = "asking, as kubectl does, for resource '" + type + "' in the core group";
  std::string where;
  for (const auto& k : knownResources())
    if (k.resource == resource && exists(k, minor)) {
      std::string versions;
      for (const auto& v : servedVersions(k, minor)) versions += (versions.empty() ? "" : ", ") + v;
      where += std::string(where.empty() ? "" : "; ") + (k.group[0] ? k.group : "the core group") + " (" +
               (versions.empty() ? "never served" : versions) + ")";
    }
  if (!where.empty()) out.hint += "; Kubernetes " + kubernetesVersionName(minor) + " serves " + resource + " in " + where;
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
// group), then RESOURCE.GROUP split at the first dot (deployments.apps, widgets.example.com). Where the
// REST mapper finds neither, kubectl warns and asks for the argument as written in the core group.
ResourceArg parseResourceArg(const std::string& arg, int minor) {
  std::string type = arg;
  std::string subresource;
  size_t slash = arg.find('/');
  if (slash != std::string::npos) {
    type = arg.substr(0, slash);
    subresource = arg.substr(slash + 1);
  }
  ResourceArg parsed = [&] {
    ResourceArg out;
    if (type == "*") {  // kubectl passes "*" through untouched
      out.resource = type;
      return out;
    }
    std::string lower = type;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    size_t dot = lower.find('.');
    std::string resource = lower.substr(0, dot);
    std::string group = dot == std::string::npos ? "" : lower.substr(dot + 1);
    if (std::count(lower.begin(), lower.end(), '.') >= 2) {
      size_t second = lower.find('.', dot + 1);
      std::string version = lower.substr(dot + 1, second - dot - 1);
      std::string versionedGroup = lower.substr(second + 1);
      if (isVersion(version)) {
        if (const KnownResource* k = findKnown(resource, versionedGroup, false, minor)) {
          auto served = servedVersions(*k, minor);
          if (std::find(served.begin(), served.end(), version) != served.end()) return resolved(*k);
        }
        // A version of a built-in group (or the core group) that does not serve it: kubectl's second
        // reading, group "VERSION.GROUP", exists nowhere either. A custom resource's group (dotted, not
        // built-in) is assumed to serve the version asked.
        if (versionedGroup.empty() || isBuiltInGroup(versionedGroup, minor) || versionedGroup.find('.') == std::string::npos)
          return unresolvable(type, resource, group, minor);
        out.resource = resource;
        out.apiGroup = versionedGroup;
        return out;
      }
    }
    if (const KnownResource* k = findKnown(resource, group, dot == std::string::npos, minor)) return resolved(*k);
    out.resource = resource;
    out.apiGroup = group;
    out.known = dot != std::string::npos;
    // A group without a dot that serves no such resource: a built-in group's resources are all in the
    // table, and a CustomResourceDefinition's group has a dot.
    if (out.known && group.find('.') == std::string::npos && !group.empty()) return unresolvable(type, resource, group, minor);
    return out;
  }();
  parsed.subresource = subresource;
  return parsed;
}

}  // namespace rbac
