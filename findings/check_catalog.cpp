#include "findings/check_catalog.h"

#include <sstream>
#include <unordered_map>

namespace findings {
namespace {

const char* const kBaseline = "Pod Security (baseline)";
const char* const kRestricted = "Pod Security (restricted)";
const char* const kPodSecurityLabels = "Pod Security namespace labels";
const char* const kRule = "kguard rule";
const char* const kRbac = "RBAC guardrail";
const char* const kNetpol = "NetworkPolicy lint";
const char* const kEscalation = "RBAC escalation path";
const char* const kAudit = "kguard audit";

const char* const kPssBaseline = "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline";
const char* const kPssRestricted = "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted";
const char* const kRbacPractices = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/";
const char* const kEscalationRisks = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks";
const char* const kNetworkPolicies = "https://kubernetes.io/docs/concepts/services-networking/network-policies/";
const char* const kClusterNetworkPolicies = "https://network-policy-api.sigs.k8s.io/api-overview/";

// One fix for every escalation path: the grant is the problem, wherever it comes from.
const char* const kEscalationFix =
    "Remove the grant from the roles bound to the subject (the finding names the binding, role and rule), bind a "
    "narrower role, or limit the rule with `resourceNames`; `kguard rbac who-can` lists everyone who holds it.";

}  // namespace

const std::vector<CheckDescriptor>& checkCatalog() {
  static const std::vector<CheckDescriptor> catalog = {
      // Pod Security Standards, baseline (upstream check ids).
      {"appArmorProfile", kBaseline, "AppArmor must not be disabled",
       "An `unconfined` AppArmor profile removes the mandatory access control that confines the container.",
       "Remove the `unconfined` profile (annotation `container.apparmor.security.beta.kubernetes.io/*` or "
       "`securityContext.appArmorProfile`), or use the runtime default:\n```yaml\nsecurityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n```",
       kPssBaseline, Severity::Medium, Risk::Privilege},
      {"capabilities_baseline", kBaseline, "No capabilities beyond the default set",
       "Added Linux capabilities (`SYS_ADMIN`, `NET_ADMIN`, ...) give the container powers over the node's kernel.",
       "Remove the capabilities outside the baseline set from `securityContext.capabilities.add`.", kPssBaseline, Severity::High, Risk::Privilege},
      {"hostNamespaces", kBaseline, "No sharing of the node's namespaces",
       "`hostNetwork`, `hostPID` or `hostIPC` let the pod see and reach the node's network, processes or shared memory.",
       "Remove the fields or set them to false:\n```yaml\nspec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false\n```",
       kPssBaseline, Severity::High, Risk::HostIsolation},
      {"hostPathVolumes", kBaseline, "No hostPath volumes",
       "A hostPath volume exposes the node's filesystem to the container.",
       "Replace the `hostPath` volume by an `emptyDir`, a `configMap`/`secret` or a `persistentVolumeClaim`.", kPssBaseline, Severity::High, Risk::HostIsolation},
      {"hostPorts", kBaseline, "No host ports",
       "A `hostPort` binds a port on the node's addresses, bypassing Services and NetworkPolicy.",
       "Remove `hostPort` from `ports` (or set it to 0) and expose the pod through a Service.", kPssBaseline, Severity::Medium, Risk::HostIsolation},
      {"hostProbesAndHostLifecycle", kBaseline, "Probes and lifecycle handlers stay inside the pod",
       "A `host` in a probe or lifecycle handler makes the kubelet connect to another address on the pod's behalf.",
       "Remove the `host` field from `httpGet`/`tcpSocket` probes and lifecycle handlers.", kPssBaseline, Severity::Medium, Risk::HostIsolation},
      {"privileged", kBaseline, "No privileged containers",
       "A privileged container has every capability and every device of the node: it is root on the node.",
       "Remove `privileged: true`:\n```yaml\nsecurityContext:\n  privileged: false\n```", kPssBaseline, Severity::Critical, Risk::HostIsolation},
      {"procMount", kBaseline, "Default /proc mount", "An `Unmasked` /proc exposes kernel interfaces the runtime masks.",
       "Remove `securityContext.procMount` or set it to `Default`.", kPssBaseline, Severity::Medium, Risk::Privilege},
      {"seccompProfile_baseline", kBaseline, "Seccomp must not be disabled",
       "An `Unconfined` seccomp profile lets the container make every system call.",
       "Remove the `Unconfined` profile or use the runtime default:\n```yaml\nsecurityContext:\n  seccompProfile:\n    type: RuntimeDefault\n```",
       kPssBaseline, Severity::Medium, Risk::Privilege},
      {"seLinuxOptions", kBaseline, "No custom SELinux user, role or type",
       "A custom SELinux type or user can escape the confinement of container_t.",
       "Remove `seLinuxOptions.user` and `.role`; use only the types `container_t`, `container_init_t` or "
       "`container_kvm_t` (or none).",
       kPssBaseline, Severity::Medium, Risk::Privilege},
      {"sysctls", kBaseline, "Only safe sysctls",
       "Unsafe sysctls change kernel settings shared with every other pod on the node.",
       "Remove the sysctls outside the safe set from `spec.securityContext.sysctls`.", kPssBaseline, Severity::Medium, Risk::HostIsolation},
      {"windowsHostProcess", kBaseline, "No Windows HostProcess containers",
       "A HostProcess container runs directly on the Windows node with its privileges.",
       "Remove `windowsOptions.hostProcess: true`.", kPssBaseline, Severity::Critical, Risk::HostIsolation},
      // Pod Security Standards, restricted.
      {"allowPrivilegeEscalation", kRestricted, "No privilege escalation",
       "Without `allowPrivilegeEscalation: false`, setuid binaries inside the container can gain privileges.",
       "Set it on every container:\n```yaml\nsecurityContext:\n  allowPrivilegeEscalation: false\n```", kPssRestricted, Severity::Medium, Risk::Privilege},
      {"capabilities_restricted", kRestricted, "Drop all capabilities",
       "Containers keep the runtime's default capabilities (e.g. `NET_RAW`) unless they drop them.",
       "Drop `ALL` (upper case: capability names are case-sensitive, `all` drops nothing) and add back at most "
       "`NET_BIND_SERVICE`:\n```yaml\nsecurityContext:\n  capabilities:\n    drop: [\"ALL\"]\n```",
       kPssRestricted, Severity::Low, Risk::Privilege},
      {"procMount_restricted", kRestricted, "Default /proc mount", "An `Unmasked` /proc exposes kernel interfaces the runtime masks.",
       "Remove `securityContext.procMount` or set it to `Default`.", kPssRestricted, Severity::Medium, Risk::Privilege},
      {"restrictedVolumes", kRestricted, "Only volume types without node access",
       "Volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected "
       "and secret can reach node or storage internals directly.",
       "Replace the volume by one of the allowed types (often a `persistentVolumeClaim`).", kPssRestricted, Severity::Medium, Risk::HostIsolation},
      {"runAsNonRoot", kRestricted, "Run as a non-root user",
       "A container running as root inside is one kernel bug away from root on the node.",
       "Set it for the whole pod (and use an image with a non-root USER):\n```yaml\nspec:\n  securityContext:\n    runAsNonRoot: true\n```",
       kPssRestricted, Severity::Medium, Risk::Privilege},
      {"runAsUser", kRestricted, "No user id 0", "`runAsUser: 0` runs the container as root.",
       "Remove `runAsUser: 0` or choose a non-zero id:\n```yaml\nsecurityContext:\n  runAsUser: 10001\n```", kPssRestricted, Severity::High, Risk::Privilege},
      {"seccompProfile_restricted", kRestricted, "A seccomp profile is required",
       "Without a seccomp profile the container may make every system call.",
       "Set it for the whole pod:\n```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```",
       kPssRestricted, Severity::Low, Risk::Privilege},
      // A Namespace's pod-security.kubernetes.io labels, as upstream's admission validates them.
      {"podSecurity.invalidLabel", kPodSecurityLabels, "Pod Security labels name a valid level and version",
       "Pod Security admission refuses to create a Namespace with an invalid `pod-security.kubernetes.io` level or "
       "version (422 Invalid); on a Namespace that already has one, an invalid `enforce` level is read as "
       "restricted, an invalid `audit` or `warn` level as privileged (no warnings, no audit annotations) and an "
       "invalid version as `latest`.",
       "Use `privileged`, `baseline` or `restricted` (lower case) for the level and `latest` or `v1.N` for the "
       "version:\n```yaml\nmetadata:\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n"
       "    pod-security.kubernetes.io/enforce-version: v1.30\n```",
       "https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces",
       Severity::Medium, Risk::Privilege},
      // kguard's own rules (off unless configured, docs/kguard-config.yaml).
      {"kguard.allowedRegistries", kRule, "Images come only from allowed registries",
       "An image from an unexpected registry may not be the software you reviewed.",
       "Pull the image from one of `rules.allowedRegistries`, or add its registry there.",
       "https://kubernetes.io/docs/concepts/containers/images/", Severity::High, Risk::ImageTrust},
      {"kguard.imageDigest", kRule, "Images are pinned by digest",
       "A tag can be moved to other content; only a digest names one image.",
       "Name the image by digest: `image: registry.example/app@sha256:...`.",
       "https://kubernetes.io/docs/concepts/containers/images/#image-names", Severity::Low, Risk::ImageTrust},
      {"kguard.imageLatestTag", kRule, "Images name a tag other than latest",
       "`latest` (or no tag) changes under you and makes rollbacks guesswork.",
       "Name a version tag or a digest: `image: nginx:1.25.3`.", "https://kubernetes.io/docs/concepts/containers/images/#image-names", Severity::Medium, Risk::ImageTrust},
      {"kguard.resourceLimits", kRule, "Containers set resource limits",
       "A container without limits can starve its neighbours on the node. A zero limit (`0`, `0m`, `0Gi`) is no limit: the kubelet sets none.",
       "Set the limits `rules.requiredLimits` names:\n```yaml\nresources:\n  limits:\n    cpu: 500m\n    memory: 256Mi\n```",
       "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/", Severity::Medium, Risk::ResourceLimits},
      {"kguard.sandboxedRuntime", kRule, "Sandboxed namespaces use a sandboxed RuntimeClass",
       "Untrusted workloads in the configured namespaces must run in a sandbox (gVisor, Kata) rather than share "
       "the node's kernel.",
       "Set one of the configured RuntimeClasses:\n```yaml\nspec:\n  runtimeClassName: gvisor\n```",
       "https://kubernetes.io/docs/concepts/containers/runtime-class/", Severity::High, Risk::RuntimeIsolation},
      {"kguard.automountServiceAccountToken", kRule, "No API token unless the pod needs the API",
       "A mounted service-account token is the first thing an intruder uses against the API server.",
       "Turn the token off, or declare that the pod needs it:\n```yaml\nspec:\n  automountServiceAccountToken: false\n```\n"
       "(or annotate the pod `kguard.io/needs-api-access: \"true\"`).",
       "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/", Severity::Low, Risk::DataProtection},
      {"kguard.readOnlyRootFilesystem", kRule, "Containers have a read-only root filesystem",
       "A writable root filesystem lets an intruder drop tools and persist changes.",
       "Make it read-only and write to volumes (`emptyDir` for scratch space):\n```yaml\nsecurityContext:\n  readOnlyRootFilesystem: true\n```",
       "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/", Severity::Low, Risk::Privilege},
      {"kguard.imageSignatures", kRule, "Images carry a cosign signature by a trusted key",
       "Where an image comes from does not say who built it: anyone who can push to the registry, or move a tag, "
       "gets code into the cluster unless the image's digest is signed by a key you trust.",
       "Sign the image digest with one of the policy's keys (`cosign sign --key team.key registry.example/app@sha256:...`), "
       "or run an image that is signed. `kguard lint --verify-images` checks against the registry.",
       "https://kubernetes.io/docs/tasks/administer-cluster/verify-signed-artifacts/", Severity::High, Risk::ImageTrust},
      {"kguard.storageClass", kRule, "Claims use an allowed StorageClass",
       "Storage classes differ in encryption, backup and locality; a claim may land on the wrong one.",
       "Set `storageClassName` to one of `rules.allowedStorageClasses`. The deprecated annotation "
       "`volume.beta.kubernetes.io/storage-class`, when present, decides the class instead (the PV controller reads it first).",
       "https://kubernetes.io/docs/concepts/storage/storage-classes/", Severity::Medium, Risk::DataProtection},
      // RBAC guardrails.
      {"rbac.invalid", kRbac, "The API server would reject the RBAC object",
       "An invalid Role, ClusterRole or binding is never created (kubernetes pkg/apis/rbac/validation): a resource "
       "rule without `apiGroups` or `resources`, `nonResourceURLs` in a Role or beside resources, a rule without "
       "verbs, a ClusterRoleBinding to a Role or with a ServiceAccount subject without namespace, a ServiceAccount "
       "subject whose name is no DNS subdomain (`system:serviceaccount:ns:name` is a User's name), an object or "
       "`roleRef.name` that is `.`, `..` or holds `/` or `%`, a ClusterRole `aggregationRule` without "
       "`clusterRoleSelectors`. The grant it describes does not exist.",
       "Fix the field the message names.", kRbacPractices, Severity::High, Risk::Rbac},
      {"rbac.wildcardGrant", kRbac, "No wildcard verbs or resources",
       "`*` grants every verb or resource, including ones added later (and escalation verbs).",
       "List the verbs and resources the subject needs instead of `*`.", kRbacPractices, Severity::High, Risk::Rbac},
      {"rbac.escalationVerbs", kRbac, "No escalate, bind or impersonate",
       "`escalate`, `bind` and `impersonate` let the holder grant itself more than it has.",
       "Remove these verbs, or limit them with `resourceNames` to the roles or users that are meant.",
       kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.anonymousBinding", kRbac, "Nothing bound to anonymous clients",
       "A binding to `system:anonymous` or `system:unauthenticated` grants its role to anyone who can reach the API server.",
       "Remove the subject from the binding.", kRbacPractices, Severity::Critical, Risk::Rbac},
      {"rbac.authenticatedBinding", kRbac, "Nothing bound to every authenticated user",
       "`system:authenticated` includes every service account of every namespace.",
       "Bind the role to the users, groups or service accounts that need it.", kRbacPractices, Severity::High, Risk::Rbac},
      {"rbac.clusterAdminServiceAccount", kRbac, "No cluster-admin for service accounts",
       "A service account's token is in every pod that uses it: cluster-admin there is cluster-admin for whoever "
       "gets into the pod.",
       "Bind a role with only the permissions the workload needs, or run it in a namespace the config allows.",
       kRbacPractices, Severity::Critical, Risk::Rbac},
      // RBAC escalation paths (`kguard rbac audit`): the paths are in rbac/escalation_paths.cpp.
      {"rbac.escalation.fullWildcard", kEscalation, "every verb on every resource (wildcards)",
       "`*` verbs on `*` resources in `*` API groups: everything, including writing RBAC and reading every secret "
       "(cluster-admin equivalent)",
       kEscalationFix, kEscalationRisks, Severity::Critical, Risk::Rbac},
      {"rbac.escalation.nodeProxy", kEscalation, "kubelet API through nodes/proxy",
       "nodes/proxy reaches the kubelet API of every node, which runs commands in any pod on it (get is enough: "
       "the kubelet authorizes websocket exec as get)",
       kEscalationFix, kEscalationRisks, Severity::Critical, Risk::Rbac},
      {"rbac.escalation.impersonate", kEscalation, "impersonate users, groups or service accounts",
       "impersonation acts as another identity (for example the group system:masters), with all its permissions",
       kEscalationFix, kEscalationRisks, Severity::Critical, Risk::Rbac},
      {"rbac.escalation.escalate", kEscalation, "escalate on roles",
       "the escalate verb lifts the API server's check that a role may only hold permissions its author holds: a "
       "role that is bound to the subject can be given any permission",
       kEscalationFix, kEscalationRisks, Severity::Critical, Risk::Rbac},
      {"rbac.escalation.bind", kEscalation, "bind on roles",
       "the bind verb lifts the API server's check that a binding may only grant permissions its author holds: "
       "with create on (cluster)rolebindings, any role (cluster-admin included) can be bound to the subject "
       "itself",
       kEscalationFix, kEscalationRisks, Severity::Critical, Risk::Rbac},
      {"rbac.escalation.csrApproval", kEscalation, "approve certificate signing requests",
       "approve on a signer plus update of certificatesigningrequests/approval issues client certificates for any "
       "user or group, system:masters included (kubernetes.io/kube-apiserver-client)",
       kEscalationFix, kEscalationRisks, Severity::Critical, Risk::Rbac},
      {"rbac.escalation.secretsRead", kEscalation, "read secrets",
       "secrets hold service-account tokens and credentials: reading them acts as those identities",
       kEscalationFix, kEscalationRisks, Severity::Critical, Risk::Rbac},
      {"rbac.escalation.podCreate", kEscalation, "run pods (directly or through a controller)",
       "a pod can run as any service account of its namespace and mount its token, secrets and config; pod "
       "controllers create pods on the subject's behalf",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.podExec", kEscalation, "exec or attach into pods",
       "exec/attach runs commands inside running containers, with their service account and mounted secrets",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.ephemeralContainers", kEscalation, "add ephemeral containers",
       "an ephemeral container runs any image inside an existing pod, with its service account and volumes",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.serviceAccountToken", kEscalation, "mint service-account tokens",
       "the TokenRequest API issues a token for any service account it names",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.secretsWrite", kEscalation, "create or update secrets",
       "a Secret of type kubernetes.io/service-account-token naming a service account is filled with a token for "
       "it by the token controller; other secrets can be replaced",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.podUpdate", kEscalation, "update running pods",
       "a pod's container images can be changed in place: the new image runs with the pod's service account",
       kEscalationFix, kEscalationRisks, Severity::Medium, Risk::Rbac},
      {"rbac.escalation.admissionWebhooks", kEscalation, "change admission webhooks",
       "admission webhooks see and can mutate every object written to the API (secrets too); removing one "
       "switches off policy enforcement",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.admissionPolicies", kEscalation, "change admission policies",
       "ValidatingAdmissionPolicies and MutatingAdmissionPolicies with their bindings are admission control inside "
       "the API server, as webhooks are: deleting, unbinding or rewriting one switches off what it refuses (such as "
       "privileged pods), and a mutating policy can change every object it matches (add a privileged container)",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.apiServices", kEscalation, "redirect an API group (APIService)",
       "an APIService sends every request for its group and version to the Service it names: a new or rewritten "
       "one makes the API server proxy those requests (bodies and the caller's identity) to a service of the "
       "subject's choice, whose answers clients and controllers trust",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.proxySubresources", kEscalation, "reach pods and services through the API server proxy",
       "services/proxy and pods/proxy make the API server connect to the pod itself and relay the request: from the "
       "control plane's network position, past NetworkPolicies, to ports such as unauthenticated admin or metrics "
       "endpoints",
       kEscalationFix, kEscalationRisks, Severity::Medium, Risk::Rbac},
      {"rbac.escalation.persistentVolumeCreate", kEscalation, "create persistent volumes",
       "a PersistentVolume can be a hostPath: a pod claiming it mounts the node's filesystem",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.namespaceUpdate", kEscalation, "update namespaces",
       "changing a namespace's pod-security.kubernetes.io labels relaxes Pod Security admission (privileged "
       "pods); a RoleBinding grants this for its own namespace",
       kEscalationFix, kEscalationRisks, Severity::High, Risk::Rbac},
      {"rbac.escalation.endpointsWrite", kEscalation, "write endpoints",
       "writing Endpoints/EndpointSlices redirects a Service's traffic to any address (CVE-2021-25740)",
       kEscalationFix, kEscalationRisks, Severity::Medium, Risk::Rbac},
      {"rbac.escalation.grantToEveryone", kEscalation, "grant to everyone",
       "A binding to `system:authenticated`, `system:unauthenticated` or `system:anonymous` gives its role to every "
       "authenticated user (any service account included) or to every client that can reach the API server.",
       "Bind the role to the users, groups or service accounts that need it instead.", kEscalationRisks,
       Severity::High, Risk::Rbac},
      {"rbac.escalation.wildcardRule", kEscalation, "wildcard rule",
       "A rule with `*` verbs or resources covers every current and future verb or resource it matches, "
       "escalate/bind/impersonate and subresources included.",
       "List the verbs and resources the subject needs instead of `*`.", kEscalationRisks, Severity::Medium, Risk::Rbac},
      // NetworkPolicy lint (warnings unless the policy is invalid).
      {"netpol.invalid", kNetpol, "The API server would reject the policy",
       "An invalid NetworkPolicy is never created: the isolation it describes does not exist. Every field the "
       "API server refuses is reported, each with its path, as its field.ErrorList lists them.",
       "Fix the field the message names.", kNetworkPolicies, Severity::High, Risk::NetworkExposure},
      {"netpol.cidrHostBits", kNetpol, "ipBlock without host bits",
       "`10.244.1.10/4` means `0.0.0.0/4`: the host bits are dropped and the block is far larger than it looks.",
       "Write the network address of the block (`10.244.1.0/24`) or a /32 for one host.", kNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"netpol.exceptOutsideCidr", kNetpol, "except lies inside its cidr",
       "An `except` outside its `cidr` excludes nothing; one covering the whole cidr leaves the block empty.",
       "Make each `except` a strict subnet of its `cidr`.", kNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"netpol.namedPortUndefined", kNetpol, "Named ports exist",
       "A named port that no selected pod defines matches no traffic, so the rule allows nothing.",
       "Use a port name a container of the selected pods declares, or a port number.", kNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"netpol.podSelectorMatchesNothing", kNetpol, "The policy selects some pod",
       "A policy that selects no pod isolates nothing: often a label typo.",
       "Make `spec.podSelector` match the labels of the pods (or pod templates) it is meant for.", kNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"netpol.podSelectorMatchesOnlyHostNetwork", kNetpol, "The policy selects pods it can isolate",
       "NetworkPolicy does not apply to hostNetwork pods: a policy selecting only them isolates nothing.",
       "Protect hostNetwork pods with node firewall rules; drop or retarget the policy.", kNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"netpol.ipBlockCoversPods", kNetpol, "ipBlock is for addresses outside the cluster",
       "Implementations disagree on whether ipBlock matches pod-to-pod traffic.",
       "Select pods with `podSelector`/`namespaceSelector` instead of their IPs.", kNetworkPolicies, Severity::Low, Risk::NetworkExposure},
      // ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) lint, also under "NetworkPolicy lint".
      {"cnp.invalid", kNetpol, "The CRD would reject the ClusterNetworkPolicy",
       "The ClusterNetworkPolicy CRD's schema and CEL rules reject it (older API servers skip CEL and store it; "
       "implementations then fail closed or ignore it).",
       "Fix the field the message names (v1alpha2 uses `protocols` and `Accept`, not v1alpha1 `ports` and `Allow`).",
       kClusterNetworkPolicies, Severity::High, Risk::NetworkExposure},
      {"cnp.ruleShadowed", kNetpol, "Every rule can decide some traffic",
       "An earlier rule of the same tier (a lower priority, or earlier in the list) matches all of this rule's "
       "traffic first, so this rule never applies: a Deny shadowed by an Accept leaves the traffic open.",
       "Move the rule before the one that shadows it (lower `priority`, or earlier in the list), or narrow the "
       "earlier rule.",
       kClusterNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"cnp.subjectMatchesNothing", kNetpol, "The ClusterNetworkPolicy selects some pod",
       "A subject that selects no pod applies its rules to nothing: often a label typo.",
       "Make `spec.subject` match the namespace or pod labels it is meant for.", kClusterNetworkPolicies,
       Severity::Medium, Risk::NetworkExposure},
      {"cnp.peersMatchNothing", kNetpol, "Every rule's peers select some pod",
       "A rule whose namespaces/pods peers select no pod never matches any traffic.",
       "Make the peers' selectors match the labels of the namespaces or pods they are meant for.",
       kClusterNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"cnp.priorityTie", kNetpol, "Overlapping ClusterNetworkPolicies have distinct priorities",
       "When two policies of one tier share a priority and select the same pods, upstream leaves their order "
       "undefined: implementations may apply either (kguard orders them by name). Upstream's conformance tests "
       "(CNPAdminTierSamePriority, CNPBaselineTierSamePriority) assert only what holds in either order: every "
       "equal-priority policy applies, each to its own subject. Reported only when the order can "
       "change a verdict: both have rules in one direction (ingress or egress) with two different actions; ingress "
       "rules are never ordered against egress rules.",
       "Give each overlapping policy its own `priority`.", kClusterNetworkPolicies, Severity::Low, Risk::NetworkExposure},
      // kguard audit: what only the whole cluster shows (audit/*_checks.cpp).
      {"audit.podNotIsolated", kAudit, "Every pod is selected by a NetworkPolicy for ingress and egress",
       "A pod no NetworkPolicy selects accepts connections from every pod and address, and may connect anywhere: one "
       "compromised pod reaches it, or it reaches everything.",
       "Add a default-deny policy to the namespace and allow the pod's real peers:\n```yaml\napiVersion: networking.k8s.io/v1\n"
       "kind: NetworkPolicy\nmetadata:\n  name: default-deny\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n```",
       kNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"audit.reachableFromAllNamespaces", kAudit, "No pod is reachable from every namespace",
       "Policies that admit every namespace let any compromised pod in the cluster connect.",
       "Narrow `namespaceSelector` to the namespaces of the real clients.", kNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"audit.ipBlockAnywhere", kAudit, "No ipBlock admits every address",
       "An ipBlock of 0.0.0.0/0 or ::/0 admits the whole internet (ingress) or lets pods reach anything (egress).",
       "Name the address ranges of the real peers.", kNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"audit.namespaceWithoutDefaultDeny", kAudit, "Every namespace has a default deny",
       "Without one, a new pod accepts every connection until someone writes a policy for it.",
       "```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\nspec:\n  podSelector: {}\n"
       "  policyTypes: [Ingress, Egress]\n```", kNetworkPolicies, Severity::Medium, Risk::NetworkExposure},
      {"audit.namespaceWithoutResourceQuota", kAudit, "Every namespace has a ResourceQuota",
       "Without a quota the pods of one namespace can take all of the cluster's CPU, memory and storage.",
       "Create a ResourceQuota with `requests.cpu`, `requests.memory`, `limits.cpu` and `limits.memory`.",
       "https://kubernetes.io/docs/concepts/policy/resource-quotas/", Severity::Low, Risk::ResourceLimits},
      {"audit.namespaceWithoutLimitRange", kAudit, "Every namespace has a LimitRange",
       "Without a LimitRange, containers created without limits run without any.",
       "Create a LimitRange with `default` and `defaultRequest` for containers.",
       "https://kubernetes.io/docs/concepts/policy/limit-range/", Severity::Low, Risk::ResourceLimits},
      {"audit.secretInEnv", kAudit, "Secrets are mounted, not exposed as environment variables",
       "Environment variables are inherited by child processes, shown in /proc/PID/environ and often logged on crashes.",
       "Mount the Secret as a volume and read the file:\n```yaml\nvolumes:\n- name: creds\n  secret:\n    secretName: db\n```",
       "https://kubernetes.io/docs/concepts/security/secrets-good-practices/", Severity::Medium, Risk::DataProtection},
      {"audit.secretBeyondServiceAccount", kAudit, "Pods mount only Secrets their service account may use",
       "A Secret mounted into a pod is readable by whoever gets into the pod. When the pod's ServiceAccount neither "
       "lists the Secret in `secrets` (the Secrets its pods may use; enforced by the ServiceAccount admission plugin "
       "when the account has the annotation `kubernetes.io/enforce-mountable-secrets: \"true\"`) nor may read it "
       "through RBAC (`get secrets NAME`), the pod holds a Secret its identity was never granted. High when the "
       "account enforces mountable secrets: admission refuses such pods now, so this one predates the annotation.",
       "Run the workload as a ServiceAccount that lists the Secret, and enforce the list:\n```yaml\napiVersion: v1\n"
       "kind: ServiceAccount\nmetadata:\n  name: db-client\n  annotations:\n    kubernetes.io/enforce-mountable-secrets: "
       "\"true\"\nsecrets:\n- name: db\n```",
       "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/", Severity::Low,
       Risk::DataProtection},
      {"audit.serviceAccountEscalation", kAudit, "Pods do not run as service accounts that can escalate",
       "Whoever gets into the pod holds its service-account token: the account's escalation paths are the pod's.",
       "Give the workload its own service account with only the permissions it needs, or set "
       "`automountServiceAccountToken: false` when it does not call the API.",
       kRbacPractices, Severity::High, Risk::Rbac},
  };
  return catalog;
}

const char* severityName(Severity s) {
  switch (s) {
    case Severity::Critical: return "critical";
    case Severity::High: return "high";
    case Severity::Medium: return "medium";
    case Severity::Low: return "low";
    case Severity::Info: return "info";
  }
  return "info";
}

const char* riskName(Risk r) {
  switch (r) {
    case Risk::HostIsolation: return "host-isolation";
    case Risk::Privilege: return "privilege";
    case Risk::ResourceLimits: return "resource-limits";
    case Risk::ImageTrust: return "image-trust";
    case Risk::NetworkExposure: return "network-exposure";
    case Risk::DataProtection: return "data-protection";
    case Risk::RuntimeIsolation: return "runtime-isolation";
    case Risk::Rbac: return "rbac";
  }
  return "rbac";
}

const CheckDescriptor* findCheck(const std::string& id) {
  // Reports look every finding's check up (kguard audit: tens of thousands, several times each).
  static const std::unordered_map<std::string, const CheckDescriptor*> byId = [] {
    std::unordered_map<std::string, const CheckDescriptor*> index;
    for (const auto& c : checkCatalog()) index.emplace(c.id, &c);  // the first of a duplicated id, as before
    return index;
  }();
  auto it = byId.find(id);
  return it == byId.end() ? nullptr : it->second;
}

Severity severityOf(const Finding& finding) {
  if (finding.severity) return *finding.severity;
  const CheckDescriptor* check = findCheck(finding.check);
  return check ? check->severity : Severity::Info;
}

std::string rulesMarkdown() {
  std::ostringstream out;
  out << "# What kguard checks\n\n"
         "Generated from `findings/check_catalog.cpp` (regenerate: `build/tests/lint/rules_doc > docs/rules.md`).\n"
         "Every id below can appear in kguard's findings (`kguard lint`: text, JSON `check`, SARIF `ruleId`;\n"
         "`kguard rbac audit`: the escalation paths). Pod Security checks carry upstream Pod Security Admission's ids\n"
         "and verdicts; kguard rules are off unless configured (docs/kguard-config.yaml); RBAC guardrails and\n"
         "NetworkPolicy lint run on every RBAC object and policy.\n\n"
         "Each entry has an anchor named by its id, which is where a SARIF rule's `helpUri` points; its `help.text`\n"
         "and `help.markdown` carry the same text and fix, so code-scanning UIs show it without following the link.\n"
         "The severity is the default of the check's findings (`critical`, `high`, `medium`, `low`, `info`), the risk\n"
         "the class of harm it addresses.\n";
  std::string family;
  for (const auto& c : checkCatalog()) {
    if (family != c.family) {
      family = c.family;
      out << "\n## " << family << "\n";
    }
    out << "\n<a id=\"" << c.id << "\"></a>\n\n### `" << c.id << "`: " << c.title << "\n\n"
        << "Severity: " << severityName(c.severity) << " · risk: " << riskName(c.risk) << "\n\n"
        << c.protects << "\n\n**Fix:** " << c.fix << "\n\nReference: <" << c.reference << ">\n";
  }
  return out.str();
}

}  // namespace findings
