// kguard.automountServiceAccountToken: a mounted token is the first thing an attacker inside a pod
// uses against the API server. Pods must not get the token unless they declare (annotation
// kguard.io/needs-api-access: "true") that they talk to the API.
#include "rules/rule_registry.h"

namespace rules {
namespace {

// Whether Kubernetes mounts the API token, as the ServiceAccount admission plugin decides
// (plugin/pkg/admission/serviceaccount/admission.go, shouldAutomount): the pod's
// automountServiceAccountToken when set, else its ServiceAccount's, else yes. When kguard cannot read
// the account, it counts the token as mounted.
bool tokenMounted(const PodContext& ctx) {
  const kube::PodSpec& spec = ctx.pod.spec;
  if (spec.automountServiceAccountToken) return *spec.automountServiceAccountToken;
  if (ctx.afterServiceAccountAdmission) {
    // The plugin has already run: it mounted the token in every container and init container, or in
    // none. An offline manifest never carries that mount, so this holds only where the plugin ran.
    bool mounted = false;
    for (const auto* list : {&spec.initContainers, &spec.containers})
      for (const auto& c : *list) mounted = mounted || c.mountsServiceAccountDir;
    return mounted;
  }
  return !(ctx.accountAutomount && *ctx.accountAutomount == false);
}

}  // namespace

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
  if (!tokenMounted(ctx)) return out;
  addKguardFinding(out, "kguard.automountServiceAccountToken", message, "spec.automountServiceAccountToken");
  return out;
}

}  // namespace rules
