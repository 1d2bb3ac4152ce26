#pragma once
// kguard's configuration file (`--config FILE`), one object for lint and the webhook:
//
//   apiVersion: kguard.io/v1alpha1
//   kind: KguardConfiguration
//   podSecurity: {defaults: {...}, exemptions: {...}, enforceOnWorkloads: false}  # as upstream's PodSecurityConfiguration
//   lint: {level: restricted, version: latest}
//   rules: {mode: enforce, allowedRegistries: [...], ...}                     # kguard's own rules, all off by default
//   rbac: {mode: warn, guardrails: {...}}                                       # guardrails: see rbac/README.md
//   registries: [{host, insecure, caFile, credentialsFile}]                     # how image signatures are fetched
//
// Unknown fields are errors: a typo in a security policy must not silently switch a rule off.
// Upstream's PodSecurityConfiguration (pod-security.admission.config.k8s.io, defaults and exemptions) is
// read too, as the podSecurity section of a configuration with everything else at its default.
// docs/kguard-config.yaml is a complete example.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "images/registry_clients.h"
#include "podsecurity/namespace_policy.h"
#include "rbac/guardrails.h"
#include "rules/rules_config.h"

namespace config {

// Level/version strings exactly as written; the webhook applies upstream's rules for invalid values.
struct PodSecurityDefaults {
  std::string enforce = "privileged", enforceVersion = "latest";
  std::string audit = "privileged", auditVersion = "latest";
  std::string warn = "privileged", warnVersion = "latest";
};

// The defaults as the policy evaluation reads them; throws kube::InputError naming the field of an
// invalid level or version (a configuration is refused, not defaulted as a namespace label would be).
podsecurity::PolicyDefaults policyDefaults(const PodSecurityDefaults& defaults);

struct PodSecurityExemptions {
  std::vector<std::string> usernames;
  std::vector<std::string> namespaces;
  std::vector<std::string> runtimeClasses;
};

enum class Mode { Enforce, Warn };

struct KguardConfig {
  PodSecurityDefaults podSecurityDefaults;
  PodSecurityExemptions exemptions;
  // Refuse workload objects (Deployment, …) whose template would be refused as a Pod, instead of only
  // warning as upstream does — so a Deployment that can never create pods fails at `kubectl apply`.
  bool enforceOnWorkloads = false;

  std::string lintLevel = "restricted";
  std::string lintVersion = "latest";

  rules::RulesConfig rules;
  Mode rulesMode = Mode::Enforce;

  std::vector<images::RegistryHost> registries;  // for rules.imageSignatures

  Mode rbacMode = Mode::Warn;
  rbac::GuardrailConfig rbacGuardrails;  // `rbac.guardrails`, in rbac::parseGuardrailConfig's format
};

// Throws kube::InputError naming the file and field.
KguardConfig loadConfig(const std::string& path);
KguardConfig parseConfig(const std::string& text, const std::string& name);

}  // namespace config
