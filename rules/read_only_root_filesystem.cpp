// kguard.readOnlyRootFilesystem: a writable root filesystem lets an intruder drop tools and persist
// changes; containers must set securityContext.readOnlyRootFilesystem: true and write to volumes.
#include "rules/rule_registry.h"

namespace rules {

std::vector<findings::Finding> checkReadOnlyRootFilesystem(const RulesConfig& config, const PodContext& ctx) {
  std::vector<findings::Finding> out;
  if (!config.requireReadOnlyRootFilesystem) return out;
  kube::visitContainers(ctx.pod.spec, [&](const kube::Container& c) {
    if (c.securityContext && c.securityContext->readOnlyRootFilesystem == true) return;
    addKguardFinding(out, "kguard.readOnlyRootFilesystem",
                     "container \"" + c.name + "\" must set securityContext.readOnlyRootFilesystem=true",
                     containerField(ctx.pod.spec, c) + ".securityContext");
  });
  return out;
}

}  // namespace rules
