// kguard.sandboxedRuntime: namespaces labelled for isolation (e.g. kguard.io/isolation: sandboxed) must
// run their pods under a sandboxed RuntimeClass (Kata Containers, iSula + StratoVirt), so that a
// kernel exploit in the pod does not reach the host kernel. Pods elsewhere are not affected.
#include "rules/rule_registry.h"

namespace rules {
namespace {

bool namespaceIsSandboxed(const SandboxedRuntimeConfig& config, const kube::StringMap& labels) {
  for (const auto& [key, value] : config.namespaceLabels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

std::vector<findings::Finding> checkSandboxedRuntime(const RulesConfig& config, const PodContext& ctx) {
  std::vector<findings::Finding> out;
  if (!config.sandboxedRuntime || !ctx.namespaceLabels) return out;
  const auto& sandbox = *config.sandboxedRuntime;
  if (!namespaceIsSandboxed(sandbox, *ctx.namespaceLabels)) return out;
  const auto& runtimeClass = ctx.pod.spec.runtimeClassName;
  for (const auto& allowed : sandbox.runtimeClasses)
    if (runtimeClass && *runtimeClass == allowed) return out;
  std::string allowedList;
  for (const auto& allowed : sandbox.runtimeClasses) allowedList += (allowedList.empty() ? "" : ", ") + allowed;
  addKguardFinding(out, "kguard.sandboxedRuntime",
                   "namespace requires a sandboxed runtime: runtimeClassName must be one of [" +
                       allowedList + "], got " + (runtimeClass ? "\"" + *runtimeClass + "\"" : "none"),
                   "spec.runtimeClassName");
  return out;
}

}  // namespace rules
