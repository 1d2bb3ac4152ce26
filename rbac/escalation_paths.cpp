#include "rbac/escalation_paths.h"

#include <cstring>
#include <set>
#include <stdexcept>

#include "findings/check_catalog.h"

namespace rbac {
namespace {

// Builders keeping the table below readable. `ns` = namespaced request, `cl` = cluster-scoped.
Probe ns(std::string verb, std::string group, std::string resource, std::string subresource = "") {
  Probe p;
  p.verb = std::move(verb);
  p.apiGroup = std::move(group);
  p.resource = std::move(resource);
  p.subresource = std::move(subresource);
  // Which requests carry a name: everything but create (of a whole object), list, watch and
  // deletecollection (RequestInfo: the name is the URL segment after the resource).
  p.named = !p.subresource.empty() || !(p.verb == "create" || p.verb == "list" || p.verb == "watch" || p.verb == "deletecollection");
  return p;
}
Probe cl(std::string verb, std::string group, std::string resource, std::string subresource = "") {
  Probe p = ns(std::move(verb), std::move(group), std::move(resource), std::move(subresource));
  p.clusterScoped = true;
  return p;
}
std::vector<std::vector<Probe>> anyOf(std::vector<Probe> probes) {
  std::vector<std::vector<Probe>> out;
  for (auto& p : probes) out.push_back({std::move(p)});
  return out;
}

const char* kRbacGroup = "rbac.authorization.k8s.io";

// A path whose title and consequence are those of its entry in the check catalog (findings/), where every
// id kguard reports is described once.
EscalationPath described(const char* id, Severity clusterWide, Severity namespaced, std::vector<std::vector<Probe>> alternatives) {
  const findings::CheckDescriptor* check = findings::findCheck(id);
  if (!check) throw std::logic_error(std::string("escalation path ") + id + " is not in findings/check_catalog.cpp");
  return {id, check->title, clusterWide, namespaced, check->protects, std::move(alternatives)};
}

std::vector<EscalationPath> buildPaths() {
  std::vector<EscalationPath> paths;

  paths.push_back(described("rbac.escalation.fullWildcard", Severity::Critical, Severity::High,
                            anyOf({ns("<any-verb>", "<any-group>", "<any-resource>")})));

  paths.push_back(described("rbac.escalation.nodeProxy", Severity::Critical, Severity::Critical,
                            anyOf({cl("get", "", "nodes", "proxy"), cl("create", "", "nodes", "proxy")})));

  paths.push_back(described("rbac.escalation.impersonate", Severity::Critical, Severity::High,
                            anyOf({cl("impersonate", "", "users"), cl("impersonate", "", "groups"),
                                   ns("impersonate", "", "serviceaccounts"), cl("impersonate", "authentication.k8s.io", "uids"),
                                   cl("impersonate", "authentication.k8s.io", "userextras", "scopes")})));

  paths.push_back(described("rbac.escalation.escalate", Severity::Critical, Severity::High,
                            anyOf({cl("escalate", kRbacGroup, "clusterroles"), ns("escalate", kRbacGroup, "roles")})));

  paths.push_back(described("rbac.escalation.bind", Severity::Critical, Severity::High,
                            anyOf({ns("bind", kRbacGroup, "clusterroles"), ns("bind", kRbacGroup, "roles")})));

  paths.push_back(described("rbac.escalation.csrApproval", Severity::Critical, Severity::Critical,
                            {}));
  {
    Probe approve = cl("approve", "certificates.k8s.io", "signers");
    approve.names = {"kubernetes.io/kube-apiserver-client", "kubernetes.io/*"};
    auto& alts = paths.back().alternatives;
    alts.push_back({approve, cl("update", "certificates.k8s.io", "certificatesigningrequests", "approval")});
    alts.push_back({approve, cl("patch", "certificates.k8s.io", "certificatesigningrequests", "approval")});
  }

  paths.push_back(described("rbac.escalation.secretsRead", Severity::Critical, Severity::High,
                            anyOf({ns("get", "", "secrets"), ns("list", "", "secrets"), ns("watch", "", "secrets")})));

  // Updating a controller's pod template makes the controller create pods from it: rollouts
  // (deployments, daemonsets, statefulsets), the next replica (replicasets, replicationcontrollers:
  // manageReplicas creates from Spec.Template), the next Job (cronjobs: getJobFromTemplate). A Job's
  // template is immutable (ValidateJobSpecUpdate).
  paths.push_back(described("rbac.escalation.podCreate", Severity::High, Severity::High,
                            anyOf({ns("create", "", "pods"), ns("create", "apps", "deployments"), ns("create", "apps", "replicasets"),
                                   ns("create", "apps", "statefulsets"), ns("create", "apps", "daemonsets"),
                                   ns("create", "batch", "jobs"), ns("create", "batch", "cronjobs"),
                                   ns("create", "", "replicationcontrollers"), ns("update", "apps", "deployments"),
                                   ns("patch", "apps", "deployments"), ns("update", "apps", "daemonsets"),
                                   ns("patch", "apps", "daemonsets"), ns("update", "apps", "statefulsets"),
                                   ns("patch", "apps", "statefulsets"), ns("update", "apps", "replicasets"),
                                   ns("patch", "apps", "replicasets"), ns("update", "", "replicationcontrollers"),
                                   ns("patch", "", "replicationcontrollers"), ns("update", "batch", "cronjobs"),
                                   ns("patch", "batch", "cronjobs")})));

  {
    // Before 1.35 a websocket upgrade (GET) is authorized as get alone; since 1.35 the pod registry also
    // asks for create (feature gate AuthorizePodWebsocketUpgradeCreatePermission, beta and on by default
    // in 1.35, pkg/features/kube_features.go). SPDY (POST) has always been create.
    Probe getExec = ns("get", "", "pods", "exec"), getAttach = ns("get", "", "pods", "attach");
    getExec.untilMinor = getAttach.untilMinor = 35;
    paths.push_back(described("rbac.escalation.podExec", Severity::High, Severity::High,
                            anyOf({ns("create", "", "pods", "exec"), getExec, ns("create", "", "pods", "attach"), getAttach})));
    paths.back().versionNote =
        "get on pods/exec or pods/attach is enough before Kubernetes 1.35 (websocket upgrade); since 1.35 create is "
        "required (feature gate AuthorizePodWebsocketUpgradeCreatePermission)";
  }

  paths.push_back(described("rbac.escalation.ephemeralContainers", Severity::High, Severity::High,
                            anyOf({ns("update", "", "pods", "ephemeralcontainers"), ns("patch", "", "pods", "ephemeralcontainers")})));

  paths.push_back(described("rbac.escalation.serviceAccountToken", Severity::High, Severity::High,
                            anyOf({ns("create", "", "serviceaccounts", "token")})));

  paths.push_back(described("rbac.escalation.secretsWrite", Severity::High, Severity::Medium,
                            anyOf({ns("create", "", "secrets"), ns("update", "", "secrets"), ns("patch", "", "secrets")})));

  paths.push_back(described("rbac.escalation.podUpdate", Severity::Medium, Severity::Medium,
                            anyOf({ns("update", "", "pods"), ns("patch", "", "pods")})));

  paths.push_back(described("rbac.escalation.admissionWebhooks", Severity::High, Severity::High,
                            anyOf({cl("create", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
                                   cl("update", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
                                   cl("patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
                                   cl("delete", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
                                   cl("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
                                   cl("update", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
                                   cl("patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
                                   cl("delete", "admissionregistration.k8s.io", "mutatingwebhookconfigurations")})));

  {
    // ValidatingAdmissionPolicy (GA 1.30) and MutatingAdmissionPolicy (1.32+) with their bindings are
    // admission control in the API server itself, as webhooks are; all cluster-scoped.
    std::vector<Probe> writes;
    for (const char* resource : {"validatingadmissionpolicies", "validatingadmissionpolicybindings",
                                 "mutatingadmissionpolicies", "mutatingadmissionpolicybindings"})
      for (const char* verb : {"create", "update", "patch", "delete"})
        writes.push_back(cl(verb, "admissionregistration.k8s.io", resource));
    paths.push_back(described("rbac.escalation.admissionPolicies", Severity::High, Severity::High, anyOf(std::move(writes))));
  }

  // An APIService names the Service that serves its group/version; the aggregator proxies every request
  // for it there (k8s.io/kube-aggregator/pkg/apiserver/handler_proxy.go).
  paths.push_back(described("rbac.escalation.apiServices", Severity::High, Severity::High,
                            anyOf({cl("create", "apiregistration.k8s.io", "apiservices"),
                                   cl("update", "apiregistration.k8s.io", "apiservices"),
                                   cl("patch", "apiregistration.k8s.io", "apiservices")})));

  // services/proxy and pods/proxy: the API server dials the target itself (pkg/registry/core/service/
  // proxy.go, pkg/registry/core/pod/rest/subresources.go); every HTTP method maps to a verb, get and
  // create (GET, POST) are the common ones.
  paths.push_back(described("rbac.escalation.proxySubresources", Severity::Medium, Severity::Medium,
                            anyOf({ns("get", "", "services", "proxy"), ns("create", "", "services", "proxy"),
                                   ns("get", "", "pods", "proxy"), ns("create", "", "pods", "proxy")})));

  paths.push_back(described("rbac.escalation.persistentVolumeCreate", Severity::High, Severity::High,
                            anyOf({cl("create", "", "persistentvolumes")})));

  {
    Probe update = ns("update", "", "namespaces"), patch = ns("patch", "", "namespaces");
    update.namespaceIsName = patch.namespaceIsName = true;
    paths.push_back(described("rbac.escalation.namespaceUpdate", Severity::High, Severity::Medium,
                            anyOf({update, patch})));
  }

  paths.push_back(described("rbac.escalation.endpointsWrite", Severity::Medium, Severity::Medium,
                            anyOf({ns("create", "", "endpoints"), ns("update", "", "endpoints"), ns("patch", "", "endpoints"),
                                   ns("create", "discovery.k8s.io", "endpointslices"),
                                   ns("update", "discovery.k8s.io", "endpointslices"),
                                   ns("patch", "discovery.k8s.io", "endpointslices")})));
  return paths;
}

}  // namespace

std::string Probe::describe() const {
  std::string out = verb + " " + resource + (apiGroup.empty() ? "" : "." + apiGroup);
  if (!subresource.empty()) out += "/" + subresource;
  return out;
}

const std::vector<EscalationPath>& escalationPaths() {
  static const std::vector<EscalationPath> paths = buildPaths();
  return paths;
}

std::vector<std::string> userExtraKeys(const std::vector<PolicyRule>& rules) {
  std::set<std::string> keys = {"scopes"};
  for (const PolicyRule& rule : rules)
    for (const std::string& r : rule.resources)
      for (const char* prefix : {"userextras/", "*/"})
        if (r.size() > std::strlen(prefix) && r.compare(0, std::strlen(prefix), prefix) == 0) keys.insert(r.substr(std::strlen(prefix)));
  return {keys.begin(), keys.end()};
}

std::vector<EscalationPath> escalationPathsFor(const Policy& policy) {
  std::vector<PolicyRule> rules;
  for (const Role& role : policy.roles) rules.insert(rules.end(), role.rules.begin(), role.rules.end());
  std::vector<EscalationPath> paths = escalationPaths();
  for (EscalationPath& path : paths) {
    if (path.id != "rbac.escalation.impersonate") continue;
    for (const std::string& key : userExtraKeys(rules))
      if (key != "scopes") path.alternatives.push_back({cl("impersonate", "authentication.k8s.io", "userextras", key)});
  }
  return paths;
}

}  // namespace rbac
