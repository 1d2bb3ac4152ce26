#pragma once
// Everything the webhook decides about one request: Pod Security Admission first, then kguard's own
// rules (pods, workloads, volume claims) and the RBAC guardrails, each in its configured mode.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/kguard_config.h"
#include "findings/finding.h"
#include "images/registry_clients.h"
#include "images/verification_cache.h"
#include "rules/image_signatures.h"
#include "webhook/admission/admission_request.h"
#include "webhook/admission/cluster_state.h"
#include "webhook/admission/pod_security_admission.h"
#include "webhook/metrics.h"

namespace admission {

// What the server learns about a request on its event loop, before judging it; validate() reuses it.
struct Triage {
  // Judging may wait on the API server (a namespace not in the cache, a namespace update listing its
  // pods) or on a registry (an image signature not verified before): run it off the event loop.
  bool mayBlock = false;
  // rules.imageSignatures as answered from memory, when that rule is on and the request is judged by it.
  std::optional<rules::ImageSignaturesInMemory> images;
};

class Validator {
 public:
  // `roles`: where a binding's role is read (the API server); nullptr judges bindings against the
  // built-in roles only (benches, tests of other parts).
  Validator(const config::KguardConfig& config, NamespaceGetter& namespaces, PodLister& pods, webhook::Metrics& metrics,
            RoleGetter* roles = nullptr);
  ~Validator();

  Triage triage(const AdmissionRequest& request) const;

  // `triage`, if given, must be triage(request): what it found out is not worked out again.
  AdmissionResponse validate(const AdmissionRequest& request, const Triage& triage = {}) const;

 private:
  void applyKguardRules(const AdmissionRequest& request, const Triage& triage, RequestNamespace& ns,
                        AdmissionResponse& response) const;
  void applyRbacGuardrails(const AdmissionRequest& request, AdmissionResponse& response) const;
  // A binding's findings, judged by its role as read from the API server (roles_).
  std::vector<findings::Finding> checkBinding(const nlohmann::json& object, Deadline deadline,
                                              AdmissionResponse& response) const;
  // A Role's or ClusterRole's findings, an aggregationRule judged by the ClusterRoles in roles_.
  std::vector<findings::Finding> checkRole(const nlohmann::json& object) const;
  // Refuses (enforce) or warns about findings of kguard's rules or the RBAC guardrails.
  void report(const AdmissionRequest& request, const std::vector<findings::Finding>& findings, bool enforce,
              const char* what, AdmissionResponse& response) const;

  config::KguardConfig config_;
  NamespaceGetter& namespaces_;
  RoleGetter* roles_;
  webhook::Metrics& metrics_;
  PodSecurityAdmission podSecurity_;
  // rules.imageSignatures: registry clients and the verified digests, shared by every request.
  std::unique_ptr<images::RegistryClients> registries_;
  std::unique_ptr<images::VerificationCache> imageVerifier_;
};

}  // namespace admission
