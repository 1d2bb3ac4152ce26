// kguard.resourceLimits: cgroup limits are the only thing between a noisy or compromised pod and the rest
// of its node, so every init and regular container must set the configured limits. Ephemeral
// containers cannot carry resources (the API forbids it), so they are not asked to.
#include <cctype>

#include "rules/rule_registry.h"

namespace rules {
namespace {

// The value `limits` gives `resource`, or null: the same answer as limits.find(resource), by a scan that
// compares lengths first (a container sets a handful of limits; the map's ordered search compares whole
// names on every step, for every required limit of every container of every admission).
const std::string* limitOf(const kube::StringMap& limits, const std::string& resource) {
  for (const auto& limit : limits)
    if (limit.first == resource) return &limit.second;
  return nullptr;
}

// A quantity whose number is zero ("0", "0m", "0Gi", "0.0", 0): the kubelet sets no CPU quota and no
// memory limit for a zero limit, so the container runs unlimited.
bool isZeroQuantity(const std::string& quantity) {
  size_t i = (!quantity.empty() && (quantity[0] == '+' || quantity[0] == '-')) ? 1 : 0;
  bool digit = false;
  for (; i < quantity.size() && (std::isdigit(static_cast<unsigned char>(quantity[i])) || quantity[i] == '.'); ++i) {
    if (quantity[i] != '.' && quantity[i] != '0') return false;
    digit = digit || quantity[i] == '0';
  }
  return digit;
}

}  // namespace

std::vector<findings::Finding> checkResourceLimits(const RulesConfig& config, const PodContext& ctx) {
  std::vector<findings::Finding> out;
  if (config.requiredLimits.empty()) return out;
  kube::visitContainers(ctx.pod.spec, [&](const kube::Container& c) {
    if (c.kind == kube::ContainerKind::Ephemeral) return;
    std::string missing;
    for (const auto& resource : config.requiredLimits) {
      const std::string* limit = limitOf(c.resources.limits, resource);
      if (!limit) missing += (missing.empty() ? "" : ", ") + resource;
      else if (isZeroQuantity(*limit)) missing += (missing.empty() ? "" : ", ") + resource + " (0 is no limit)";
    }
    if (missing.empty()) return;
    addKguardFinding(out, "kguard.resourceLimits",
                     "container \"" + c.name + "\" must set resources.limits for " + missing,
                     containerField(ctx.pod.spec, c) + ".resources");
  });
  return out;
}

}  // namespace rules
