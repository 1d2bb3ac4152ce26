#include "rbac/escalation_paths.h"

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

std::vector<EscalationPath> buildPaths() {
  std::vector<EscalationPath> paths;

  paths.push_back({"rbac.escalation.fullWildcard", "every verb on every resource (wildcards)", Severity::Critical,
                   Severity::High,
                   "`*` verbs on `*` resources in `*` API groups: everything, including writing RBAC and reading every "
                   "secret (cluster-admin equivalent)",
                   anyOf({ns("<any-verb>", "<any-group>", "<any-resource>")})});

  paths.push_back({"rbac.escalation.nodeProxy", "kubelet API through nodes/proxy", Severity::Critical, Severity::Critical,
                   "nodes/proxy reaches the kubelet API of every node, which runs commands in any pod on it "
                   "(get is enough: the kubelet authorizes websocket exec as get)",
                   anyOf({cl("get", "", "nodes", "proxy"), cl("create", "", "nodes", "proxy")})});

  paths.push_back({"rbac.escalation.impersonate", "impersonate users, groups or service accounts", Severity::Critical,
                   Severity::High,
                   "impersonation acts as another identity (for example the group system:masters), with all its permissions",
                   anyOf({cl("impersonate", "", "users"), cl("impersonate", "", "groups"),
                          ns("impersonate", "", "serviceaccounts"), cl("impersonate", "authentication.k8s.io", "uids"),
                          cl("impersonate", "authentication.k8s.io", "userextras", "scopes")})});

  paths.push_back({"rbac.escalation.escalate", "escalate on roles", Severity::Critical, Severity::High,
                   "the escalate verb lifts the API server's check that a role may only hold permissions its author "
                   "holds: a role that is bound to the subject can be given any permission",
                   anyOf({cl("escalate", kRbacGroup, "clusterroles"), ns("escalate", kRbacGroup, "roles")})});

  paths.push_back({"rbac.escalation.bind", "bind on roles", Severity::Critical, Severity::High,
                   "the bind verb lifts the API server's check that a binding may only grant permissions its author "
                   "holds: with create on (cluster)rolebindings, any role (cluster-admin included) can be bound to "
                   "the subject itself",
                   anyOf({ns("bind", kRbacGroup, "clusterroles"), ns("bind", kRbacGroup, "roles")})});

  paths.push_back({"rbac.escalation.csrApproval", "approve certificate signing requests", Severity::Critical,
                   Severity::Critical,
                   "approve on a signer plus update of certificatesigningrequests/approval issues client certificates "
                   "for any user or group, system:masters included (kubernetes.io/kube-apiserver-client)",
                   {}});
  {
    Probe approve = cl("approve", "certificates.k8s.io", "signers");
    approve.names = {"kubernetes.io/kube-apiserver-client", "kubernetes.io/*"};
    auto& alts = paths.back().alternatives;
    alts.push_back({approve, cl("update", "certificates.k8s.io", "certificatesigningrequests", "approval")});
    alts.push_back({approve, cl("patch", "certificates.k8s.io", "certificatesigningrequests", "approval")});
  }

  paths.push_back({"rbac.escalation.secretsRead", "read secrets", Severity::Critical, Severity::High,
                   "secrets hold service-account tokens and credentials: reading them acts as those identities",
                   anyOf({ns("get", "", "secrets"), ns("list", "", "secrets"), ns("watch", "", "secrets")})});

  paths.push_back({"rbac.escalation.podCreate", "run pods (directly or through a controller)", Severity::High,
                   Severity::High,
                   "a pod can run as any service account of its namespace and mount its token, secrets and config; "
                   "pod controllers create pods on the subject's behalf",
                   anyOf({ns("create", "", "pods"), ns("create", "apps", "deployments"), ns("create", "apps", "replicasets"),
                          ns("create", "apps", "statefulsets"), ns("create", "apps", "daemonsets"),
                          ns("create", "batch", "jobs"), ns("create", "batch", "cronjobs"),
                          ns("create", "", "replicationcontrollers"), ns("update", "apps", "deployments"),
                          ns("patch", "apps", "deployments"), ns("update", "apps", "daemonsets"),
                          ns("patch", "apps", "daemonsets"), ns("update", "apps", "statefulsets"),
                          ns("patch", "apps", "statefulsets")})});

  {
    // Before 1.35 a websocket upgrade (GET) is authorized as get alone; since 1.35 the pod registry also
    // asks for create (feature gate AuthorizePodWebsocketUpgradeCreatePermission, beta and on by default
    // in 1.35, pkg/features/kube_features.go). SPDY (POST) has always been create.
    Probe getExec = ns("get", "", "pods", "exec"), getAttach = ns("get", "", "pods", "attach");
    getExec.untilMinor = getAttach.untilMinor = 35;
    paths.push_back({"rbac.escalation.podExec", "exec or attach into pods", Severity::High, Severity::High,
                     "exec/attach runs commands inside running containers, with their service account and mounted "
                     "secrets",
                     anyOf({ns("create", "", "pods", "exec"), getExec, ns("create", "", "pods", "attach"), getAttach})});
    paths.back().versionNote =
        "get on pods/exec or pods/attach is enough before Kubernetes 1.35 (websocket upgrade); since 1.35 create is "
        "required (feature gate AuthorizePodWebsocketUpgradeCreatePermission)";
  }

  paths.push_back({"rbac.escalation.ephemeralContainers", "add ephemeral containers", Severity::High, Severity::High,
                   "an ephemeral container runs any image inside an existing pod, with its service account and volumes",
                   anyOf({ns("update", "", "pods", "ephemeralcontainers"), ns("patch", "", "pods", "ephemeralcontainers")})});

  paths.push_back({"rbac.escalation.serviceAccountToken", "mint service-account tokens", Severity::High, Severity::High,
                   "the TokenRequest API issues a token for any service account it names",
                   anyOf({ns("create", "", "serviceaccounts", "token")})});

  paths.push_back({"rbac.escalation.secretsWrite", "create or update secrets", Severity::High, Severity::Medium,
                   "a Secret of type kubernetes.io/service-account-token naming a service account is filled with a "
                   "token for it by the token controller; other secrets can be replaced",
                   anyOf({ns("create", "", "secrets"), ns("update", "", "secrets"), ns("patch", "", "secrets")})});

  paths.push_back({"rbac.escalation.podUpdate", "update running pods", Severity::Medium, Severity::Medium,
                   "a pod's container images can be changed in place: the new image runs with the pod's service account",
                   anyOf({ns("update", "", "pods"), ns("patch", "", "pods")})});

  paths.push_back({"rbac.escalation.admissionWebhooks", "change admission webhooks", Severity::High, Severity::High,
                   "admission webhooks see and can mutate every object written to the API (secrets too); removing one "
                   "switches off policy enforcement",
                   anyOf({cl("create", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
                          cl("update", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
                          cl("patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
                          cl("delete", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
                          cl("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
                          cl("update", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
                          cl("patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
                          cl("delete", "admissionregistration.k8s.io", "mutatingwebhookconfigurations")})});

  paths.push_back({"rbac.escalation.persistentVolumeCreate", "create persistent volumes", Severity::High, Severity::High,
                   "a PersistentVolume can be a hostPath: a pod claiming it mounts the node's filesystem",
                   anyOf({cl("create", "", "persistentvolumes")})});

  {
    Probe update = ns("update", "", "namespaces"), patch = ns("patch", "", "namespaces");
    update.namespaceIsName = patch.namespaceIsName = true;
    paths.push_back({"rbac.escalation.namespaceUpdate", "update namespaces", Severity::High, Severity::Medium,
                     "changing a namespace's pod-security.kubernetes.io labels relaxes Pod Security admission "
                     "(privileged pods); a RoleBinding grants this for its own namespace",
                     anyOf({update, patch})});
  }

  paths.push_back({"rbac.escalation.endpointsWrite", "write endpoints", Severity::Medium, Severity::Medium,
                   "writing Endpoints/EndpointSlices redirects a Service's traffic to any address (CVE-2021-25740)",
                   anyOf({ns("create", "", "endpoints"), ns("update", "", "endpoints"), ns("patch", "", "endpoints"),
                          ns("create", "discovery.k8s.io", "endpointslices"),
                          ns("update", "discovery.k8s.io", "endpointslices"),
                          ns("patch", "discovery.k8s.io", "endpointslices")})});
  return paths;
}

}  // namespace

const char* severityName(Severity s) {
  switch (s) {
    case Severity::Critical: return "critical";
    case Severity::High: return "high";
    case Severity::Medium: return "medium";
    case Severity::Low: return "low";
  }
  return "low";
}

std::string Probe::describe() const {
  std::string out = verb + " " + resource + (apiGroup.empty() ? "" : "." + apiGroup);
  if (!subresource.empty()) out += "/" + subresource;
  return out;
}

const std::vector<EscalationPath>& escalationPaths() {
  static const std::vector<EscalationPath> paths = buildPaths();
  return paths;
}

}  // namespace rbac
