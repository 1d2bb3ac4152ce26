#pragma once
// kguard's own rules: an explicit table of {id, summary, function}, each rule in a file of its own.
// They run in lint and in the webhook, after the Pod Security checks.
#include <optional>
#include <string>
#include <vector>

#include "kube/pod.h"
#include "kube/volume_claims.h"
#include "findings/finding.h"
#include "rules/image_reference.h"
#include "rules/rules_config.h"

namespace rules {

struct PodContext {
  const kube::PodTemplate& pod;
  // Labels of the pod's namespace, or nullptr when kguard cannot know them (lint without the
  // Namespace object in its input).
  const kube::StringMap* namespaceLabels = nullptr;
  // The automountServiceAccountToken of the pod's ServiceAccount (kube::PodSpec::serviceAccountOrDefault,
  // in the pod's namespace) when that account is among the objects kguard read (lint, audit);
  // nullptr when it is not. It decides whether the token is mounted when the pod leaves its own unset.
  const std::optional<bool>* accountAutomount = nullptr;
  // A Pod as a validating webhook sees it: the ServiceAccount admission plugin (a mutating plugin) has
  // run, and mounted the token in every container if it mounts it at all.
  bool afterServiceAccountAdmission = false;
  // Every container's image, parsed, in visitContainers order: evaluatePodRules parses them once for all
  // the image rules. Empty when a rule is called on its own; visitImages then parses.
  std::vector<ImageReference> images = {};
};

// Calls fn(container, its image parsed) for every container, in visitContainers order.
template <typename Fn>
void visitImages(const PodContext& ctx, Fn&& fn) {
  size_t i = 0;
  kube::visitContainers(ctx.pod.spec, [&](const kube::Container& c) {
    if (ctx.images.empty()) fn(c, parseImageReference(c.image));
    else fn(c, ctx.images[i++]);
  });
}

using PodRuleFn = std::vector<findings::Finding> (*)(const RulesConfig&, const PodContext&);

struct PodRule {
  const char* id;
  const char* summary;
  PodRuleFn check;
};

const std::vector<PodRule>& podRules();

// Every finding of every pod rule, in table order. Field paths are relative to the pod template.
std::vector<findings::Finding> evaluatePodRules(const RulesConfig& config, const PodContext& context);

// kguard.storageClass over the claims an object makes (PVC, volumeClaimTemplates, ephemeral volumes).
std::vector<findings::Finding> evaluateVolumeClaims(const RulesConfig& config, const std::vector<kube::VolumeClaim>& claims);

// The rule functions, one per file under rules/.
std::vector<findings::Finding> checkAllowedRegistries(const RulesConfig&, const PodContext&);
std::vector<findings::Finding> checkImageDigest(const RulesConfig&, const PodContext&);
std::vector<findings::Finding> checkLatestTag(const RulesConfig&, const PodContext&);
std::vector<findings::Finding> checkResourceLimits(const RulesConfig&, const PodContext&);
std::vector<findings::Finding> checkSandboxedRuntime(const RulesConfig&, const PodContext&);
std::vector<findings::Finding> checkServiceAccountToken(const RulesConfig&, const PodContext&);
std::vector<findings::Finding> checkReadOnlyRootFilesystem(const RulesConfig&, const PodContext&);

// "spec.initContainers[0]" — where a container sits in its pod spec.
std::string containerField(const kube::PodSpec& spec, const kube::Container& container);
// Appends a finding of kguard rule `id`, built in place (the rules run on every admission).
void addKguardFinding(std::vector<findings::Finding>& out, const char* id, std::string message, std::string field);

}  // namespace rules
