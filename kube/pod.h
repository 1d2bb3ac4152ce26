#pragma once
// A typed subset of core/v1 Pod: every field that a Pod Security check or a kguard rule reads.
// Pointers in the Go API (`*bool`, `*int64`, `*SecurityContext`) are std::optional here, because the
// checks distinguish "unset" from "set to the default" exactly as upstream does.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kube/object_meta.h"

namespace kube {

struct Capabilities {
  std::vector<std::string> add;
  std::vector<std::string> drop;
  // Whether each list was written, even as []: the checks read [] as unset (as upstream does), but lint
  // points a finding at the list written (`drop: []` is where ALL belongs), else at `capabilities`.
  bool addWritten = false;
  bool dropWritten = false;
};

struct SELinuxOptions {
  std::string user;
  std::string role;
  std::string type;
  std::string level;
};

struct SeccompProfile {
  std::string type;  // RuntimeDefault, Localhost, Unconfined
  std::optional<std::string> localhostProfile;
};

struct AppArmorProfile {
  std::string type;  // RuntimeDefault, Localhost, Unconfined
  std::optional<std::string> localhostProfile;
};

struct WindowsSecurityContextOptions {
  std::optional<bool> hostProcess;
  std::optional<std::string> runAsUserName;
};

struct SecurityContext {
  std::optional<Capabilities> capabilities;
  std::optional<bool> privileged;
  std::optional<SELinuxOptions> seLinuxOptions;
  std::optional<WindowsSecurityContextOptions> windowsOptions;
  std::optional<int64_t> runAsUser;
  std::optional<int64_t> runAsGroup;
  std::optional<bool> runAsNonRoot;
  std::optional<bool> readOnlyRootFilesystem;
  std::optional<bool> allowPrivilegeEscalation;
  std::optional<std::string> procMount;
  std::optional<SeccompProfile> seccompProfile;
  std::optional<AppArmorProfile> appArmorProfile;
};

struct Sysctl {
  std::string name;
  std::string value;
};

// Container-only securityContext fields written in the pod's securityContext, where the API has no such
// field and Kubernetes ignores them: lint names them in a hint. Only their presence (any value) is kept.
struct ContainerOnlyFieldsWritten {
  bool capabilities = false;
  bool privileged = false;
  bool allowPrivilegeEscalation = false;
  bool procMount = false;
};

struct PodSecurityContext {
  std::optional<SELinuxOptions> seLinuxOptions;
  std::optional<WindowsSecurityContextOptions> windowsOptions;
  std::optional<int64_t> runAsUser;
  std::optional<int64_t> runAsGroup;
  std::optional<bool> runAsNonRoot;
  std::vector<int64_t> supplementalGroups;
  std::optional<int64_t> fsGroup;
  std::vector<Sysctl> sysctls;
  std::optional<SeccompProfile> seccompProfile;
  std::optional<AppArmorProfile> appArmorProfile;
  ContainerOnlyFieldsWritten containerOnlyFields;
};

struct ContainerPort {
  std::string name;
  int32_t containerPort = 0;
  int32_t hostPort = 0;  // 0 = unset, as in the API
  std::string protocol = "TCP";
  std::string hostIP;
};

// A probe or lifecycle handler: only the `host` fields matter to Pod Security (v1.34+).
struct Handler {
  std::optional<std::string> httpGetHost;
  std::optional<std::string> tcpSocketHost;
};

struct ResourceRequirements {
  StringMap limits;
  StringMap requests;
};

enum class ContainerKind { Init, Regular, Ephemeral };

struct Container {
  ContainerKind kind = ContainerKind::Regular;
  std::string name;
  std::string image;
  std::vector<ContainerPort> ports;
  ResourceRequirements resources;
  std::optional<SecurityContext> securityContext;
  std::optional<Handler> livenessProbe;
  std::optional<Handler> readinessProbe;
  std::optional<Handler> startupProbe;
  std::optional<Handler> postStart;  // lifecycle.postStart
  std::optional<Handler> preStop;    // lifecycle.preStop
  bool mountsServiceAccountDir = false;  // a volumeMounts[].mountPath is exactly kServiceAccountDir
  bool restartsAlways = false;  // restartPolicy: Always — on an init container, a sidecar (KEP-753)
};

// The claim spec of a generic ephemeral volume, as far as kguard.storageClass reads it. A claim spec
// that does not decode keeps its error here instead of failing the pod: only the rule that reads the
// claim reports it (kube/volume_claims.h), so Pod Security judges such a pod as it always did.
// The deprecated annotation that, when present on a claim, decides its class over spec.storageClassName
// (the PV controller's GetPersistentVolumeClaimClass reads it first).
inline constexpr char kBetaStorageClassAnnotation[] = "volume.beta.kubernetes.io/storage-class";

struct EphemeralClaim {
  std::optional<std::string> storageClassName;  // from the template's beta annotation when it has one
  std::optional<std::string> errorPath, errorProblem;  // set when the claim spec does not decode
  bool classFromBetaAnnotation = false;
};

struct Volume {
  std::string name;
  // The volume source keys present besides `name` (e.g. "hostPath", "configMap"). An API object has
  // exactly one; keeping all of them lets a check see a malformed volume instead of guessing.
  std::vector<std::string> sources;
  std::string hostPathPath;  // hostPath.path when sources contains "hostPath"
  // A generic ephemeral volume's ephemeral.volumeClaimTemplate.spec: the PersistentVolumeClaim it becomes.
  std::optional<EphemeralClaim> ephemeralClaim;
};

struct PodSpec {
  std::vector<Container> initContainers;
  std::vector<Container> containers;
  std::vector<Container> ephemeralContainers;
  std::vector<Volume> volumes;
  std::optional<PodSecurityContext> securityContext;
  bool hostNetwork = false;
  bool hostPID = false;
  bool hostIPC = false;
  std::optional<bool> hostUsers;
  std::optional<std::string> osName;  // spec.os.name
  std::optional<std::string> runtimeClassName;
  std::optional<bool> automountServiceAccountToken;
  // As written, or the deprecated `serviceAccount` when this is empty (the decoder reads it as the API
  // server's conversion does: Convert_v1_PodSpec_To_core_PodSpec, pkg/apis/core/v1/conversion.go).
  std::string serviceAccountName;
  std::string nodeName;

  // The ServiceAccount the pod runs as: serviceAccountName, or "default" when empty, which the
  // ServiceAccount admission plugin sets on every Pod (plugin/pkg/admission/serviceaccount/admission.go,
  // DefaultServiceAccountName). A workload's template keeps it empty; its pods get the same default.
  const std::string& serviceAccountOrDefault() const {
    static const std::string kDefault = "default";
    return serviceAccountName.empty() ? kDefault : serviceAccountName;
  }
};

// A Pod, or the pod template of a workload: what Pod Security evaluates.
struct PodTemplate {
  ObjectMeta metadata;
  PodSpec spec;
};

// Calls fn(container) for init, regular and ephemeral containers, in that order, so that no check can
// forget a kind (upstream's visitContainers).
template <typename Fn>
void visitContainers(const PodSpec& spec, Fn&& fn) {
  for (const auto& c : spec.initContainers) fn(c);
  for (const auto& c : spec.containers) fn(c);
  for (const auto& c : spec.ephemeralContainers) fn(c);
}

// One address in a Pod's status, as written, with the field it came from ("status.podIPs[1].ip") so that
// the reader that parses it (netpol) can name the field when it is no address.
struct StatusAddress {
  std::string ip;
  std::string path;
};

// The parts of core/v1 PodStatus that kguard reads: where a running pod is and whether it still runs.
// Only a Pod has one (kube::DecodedPod::status); a workload's template never does.
struct PodStatus {
  std::string phase;
  std::optional<StatusAddress> podIP;
  std::vector<StatusAddress> podIPs;  // the items that carry an `ip`
  std::optional<StatusAddress> hostIP;
  std::vector<StatusAddress> hostIPs;
};

}  // namespace kube
