// kguard.resourceLimits: cgroup limits are the only thing between a noisy or compromised pod and the rest
// of its node, so every init and regular container must set the configured limits. Ephemeral
// containers cannot carry resources (the API forbids it), so they are not asked to.
#include "rules/rule_registry.h"

namespace rules {
namespace {

// Whether `limits` names `resource`: the same answer as limits.count(resource), by a scan that compares
// lengths first (a container sets a handful of limits; the map's ordered search compares whole names on
// every step, for every required limit of every container of every admission).
bool setsLimit(const kube::StringMap& limits, const std::string& resource) {
  for (const auto& limit : limits)
    if (limit.first == resource) return true;
  return false;
}

}  // namespace

std::vector<findings::Finding> checkResourceLimits(const RulesConfig& config, const PodContext& ctx) {
  std::vector<findings::Finding> out;
  if (config.requiredLimits.empty()) return out;
  kube::visitContainers(ctx.pod.spec, [&](const kube::Container& c) {
    if (c.kind == kube::ContainerKind::Ephemeral) return;
    std::string missing;
    for (const auto& resource : config.requiredLimits)
      if (!setsLimit(c.resources.limits, resource)) missing += (missing.empty() ? "" : ", ") + resource;
    if (missing.empty()) return;
    out.push_back(kguardFinding("kguard.resourceLimits",
                                "container \"" + c.name + "\" must set resources.limits for " + missing,
                                containerField(ctx.pod.spec, c) + ".resources"));
  });
  return out;
}

}  // namespace rules
