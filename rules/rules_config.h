#pragma once
// Configuration of kguard's own rules (beyond the Pod Security Standards). Every rule is off unless
// its setting is present in the config file (see docs/kguard-config.yaml).
#include <optional>
#include <string>
#include <vector>

#include "images/public_key.h"
#include "kube/object_meta.h"

namespace rules {

struct SandboxedRuntimeConfig {
  kube::StringMap namespaceLabels;         // namespaces carrying all of these labels...
  std::vector<std::string> runtimeClasses;  // ...must run pods with one of these RuntimeClasses
};

// rules.imageSignatures[i]: images whose name (registry/repository, as the runtime normalizes it)
// matches one of `images` must carry a cosign signature on their digest by one of `keys`.
struct ImageSignaturePolicy {
  std::vector<std::string> images;  // globs: * within one path segment, ** across segments
  images::TrustedKeys keys;         // keys.id is "rules.imageSignatures[i]"
};

struct RulesConfig {
  std::vector<std::string> allowedRegistries;  // empty = rule off
  bool requireImageDigest = false;
  bool disallowLatestTag = false;
  std::vector<std::string> requiredLimits;  // e.g. {"cpu", "memory"}; empty = rule off
  std::optional<SandboxedRuntimeConfig> sandboxedRuntime;
  std::vector<std::string> allowedStorageClasses;  // empty = rule off
  bool requireNoServiceAccountToken = false;
  bool requireReadOnlyRootFilesystem = false;
  std::vector<ImageSignaturePolicy> imageSignatures;  // empty = rule off (rules/image_signatures.h)
  int imageVerificationBudgetMs = 2000;  // all registry round trips of one admission request

  // False when no rule is configured: callers then skip decoding objects for rules at all.
  bool anyEnabled() const {
    return !allowedRegistries.empty() || requireImageDigest || disallowLatestTag || !requiredLimits.empty() ||
           sandboxedRuntime.has_value() || !allowedStorageClasses.empty() || requireNoServiceAccountToken ||
           requireReadOnlyRootFilesystem || !imageSignatures.empty();
  }
};

// The annotation by which a pod declares that it talks to the Kubernetes API and so needs its
// service-account token mounted (the automountServiceAccountToken rule then allows it).
inline constexpr const char* kNeedsApiAccessAnnotation = "kguard.io/needs-api-access";

}  // namespace rules
