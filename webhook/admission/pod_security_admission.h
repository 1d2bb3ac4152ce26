#pragma once
// Pod Security Admission, as upstream's admission package decides: which requests are evaluated
// (pods, pod subresources but the ignored ones, workloads with pod templates, namespaces), exemptions,
// enforce / audit / warn modes, significant pod updates, and the warnings about existing pods when a
// namespace's enforce level is tightened.
#include <chrono>
#include <string>
#include <vector>

#include "config/kguard_config.h"
#include "kube/pod.h"
#include "podsecurity/namespace_policy.h"
#include "webhook/admission/admission_request.h"
#include "webhook/admission/cluster_state.h"
#include "webhook/metrics.h"

namespace admission {

// The namespace-label policy is Pod Security's (podsecurity/namespace_policy.h), shared with lint.
using podsecurity::NamespacePolicy;
using podsecurity::PolicyDefaults;
using podsecurity::PolicyFromLabels;
using podsecurity::equivalent;
using podsecurity::policyToEvaluate;

class PodSecurityAdmission {
 public:
  // Throws kube::InputError when the config's default levels or versions are invalid.
  PodSecurityAdmission(const config::KguardConfig& config, NamespaceGetter& namespaces, PodLister& pods,
                       webhook::Metrics& metrics);

  AdmissionResponse validate(const AdmissionRequest& request) const;
  // The same, looking the request's namespace up through `ns` (shared with the checks that follow).
  AdmissionResponse validate(const AdmissionRequest& request, RequestNamespace& ns) const;

  // The enforce mode for workloads: upstream only warns and audits (false).
  bool enforcesWorkloads() const { return enforceOnWorkloads_; }

  // Exported for kguard's own rules, which apply in the same modes to the same objects.
  bool exemptNamespace(const std::string& ns) const;
  bool exemptUser(const std::string& user) const;

 private:
  AdmissionResponse validateNamespace(const AdmissionRequest& request) const;
  AdmissionResponse validatePod(const AdmissionRequest& request, RequestNamespace& ns) const;
  AdmissionResponse validatePodController(const AdmissionRequest& request, RequestNamespace& ns) const;
  AdmissionResponse evaluatePod(const NamespacePolicy& policy, const std::string& policyError,
                                const kube::PodTemplate& pod, const AdmissionRequest& request, bool enforce) const;
  std::vector<const kube::PodTemplate*> podsToCheck(const PodList& list) const;
  std::vector<std::string> evaluatePodsInNamespace(const std::string& ns, const podsecurity::LevelVersion& enforce,
                                                   std::chrono::milliseconds budget) const;
  bool exemptRuntimeClass(const std::optional<std::string>& runtimeClass) const;
  AdmissionResponse exemptNamespaceWarning(const std::string& ns, const NamespacePolicy& policy,
                                           const kube::StringMap& labels) const;
  AdmissionResponse exemptResponse(const AdmissionRequest& request, const char* why) const;
  void recordEvaluation(bool allowed, const podsecurity::LevelVersion& policy, const char* mode,
                        const AdmissionRequest& request) const;
  void recordError(bool fatal, const AdmissionRequest& request) const;

  PolicyDefaults defaults_;
  config::PodSecurityExemptions exemptions_;
  bool enforceOnWorkloads_;
  NamespaceGetter& namespaces_;
  PodLister& pods_;
  webhook::Metrics& metrics_;
  std::chrono::milliseconds namespacePodCheckTimeout_{1000};
  size_t namespaceMaxPodsToCheck_ = 3000;
};

// Upstream's isSignificantPodUpdate: only image changes, container count changes, added ephemeral
// containers and (legacy) seccomp annotation changes can change a pod's Pod Security verdict.
bool isSignificantPodUpdate(const kube::PodTemplate& pod, const kube::PodTemplate& oldPod);

// Which pod-carrying resources are pod controllers (upstream's defaultPodSpecResources minus pods).
bool isPodControllerResource(const GroupVersionResource& resource);

}  // namespace admission
