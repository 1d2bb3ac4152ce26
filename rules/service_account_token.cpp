// kguard.automountServiceAccountToken: a mounted token is the first thing an attacker inside a pod
// uses against the API server. Pods must set automountServiceAccountToken: false unless they declare
// (annotation kguard.io/needs-api-access: "true") that they talk to the API.
#include "rules/rule_registry.h"

namespace rules {

std::vector<findings::Finding> checkServiceAccountToken(const RulesConfig& config, const PodContext& ctx) {
  std::vector<findings::Finding> out;
  if (!config.requireNoServiceAccountToken) return out;
  // Built once: the rule runs on every admission request.
  static const std::string annotation = kNeedsApiAccessAnnotation;
  static const std::string message = "pod must set automountServiceAccountToken: false (or annotate " + annotation +
                                     ": \"true\" if it needs the Kubernetes API)";
  const auto& annotations = ctx.pod.metadata.annotations;
  auto declared = annotations.find(annotation);
  if (declared != annotations.end() && declared->second == "true") return out;
  if (ctx.pod.spec.automountServiceAccountToken == false) return out;
  addKguardFinding(out, "kguard.automountServiceAccountToken", message, "spec.automountServiceAccountToken");
  return out;
}

}  // namespace rules
