// kguard.resourceLimits: cgroup limits are the only thing between a noisy or compromised pod and the rest
// of its node, so every init and regular container must set the configured limits. Ephemeral
// containers cannot carry resources (the API forbids it), so they are not asked to.
#include "rules/rule_registry.h"

namespace rules {

std::vector<findings::Finding> checkResourceLimits(const RulesConfig& config, const PodContext& ctx) {
  std::vector<findings::Finding> out;
  if (config.requiredLimits.empty()) return out;
  kube::visitContainers(ctx.pod.spec, [&](const kube::Container& c) {
    if (c.kind == kube::ContainerKind::Ephemeral) return;
    std::string missing;
    for (const auto& resource : config.requiredLimits)
      if (!c.resources.limits.count(resource)) missing += (missing.empty() ? "" : ", ") + resource;
    if (missing.empty()) return;
    out.push_back(kguardFinding("kguard.resourceLimits",
                                "container \"" + c.name + "\" must set resources.limits for " + missing,
                                containerField(ctx.pod.spec, c) + ".resources"));
  });
  return out;
}

}  // namespace rules
