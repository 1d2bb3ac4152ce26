// The Pod Security adoption path of a namespace: what its labels enforce, who runs against them, and
// the strictest level every pod and template passes today (upstream's levels and messages).
#include "audit/checks.h"
#include "podsecurity/namespace_policy.h"
#include "podsecurity/evaluator.h"

namespace audit {
namespace {

using podsecurity::Level;
using podsecurity::LevelVersion;

std::vector<Refusal> refusals(const ClusterView& view, const std::string& ns, const LevelVersion& policy) {
  std::vector<Refusal> out;
  for (const auto& w : view.workloads) {
    if (w.namespace_ != ns) continue;
    auto result = podsecurity::defaultEvaluator().evaluate(policy, w.pod.metadata, w.pod.spec);
    if (!result.allowed) out.push_back({w.kind, w.name, podsecurity::forbiddenMessage(policy, result)});
  }
  return out;
}

// `defaults`: the policy of namespaces without labels, as the webhook of the audit's --config applies it
// (upstream's PodSecurityConfiguration defaults; privileged without a configuration).
Adoption adoptionOf(const ClusterView& view, const NamespaceInfo& ns, const podsecurity::PolicyDefaults& defaults) {
  Adoption a;
  auto evaluated = podsecurity::policyToEvaluate(ns.labels, defaults);
  const auto& policy = evaluated.policy;
  for (const auto& e : evaluated.errors) a.labelErrors.push_back(e.toString());
  a.enforce = policy.enforce.toString();
  a.audit = policy.audit.toString();
  a.warn = policy.warn.toString();
  a.violatingEnforce = refusals(view, ns.name, policy.enforce);
  // The version the namespace pins (its enforce-version label), else latest.
  const podsecurity::Version version = policy.enforce.version;
  a.version = version.toString();
  a.highestPassingLevel = "privileged";
  for (Level level : {Level::Baseline, Level::Restricted}) {
    auto refused = refusals(view, ns.name, {level, version});
    if (!refused.empty()) {
      a.nextLevel = podsecurity::toString(level);
      a.refusedAtNextLevel = std::move(refused);
      break;
    }
    a.highestPassingLevel = podsecurity::toString(level);
  }
  return a;
}

}  // namespace

void fillAdoption(const ClusterView& view, const config::KguardConfig& config, AuditReport& report) {
  const auto defaults = config::policyDefaults(config.podSecurityDefaults);
  for (const auto& [name, ns] : view.namespaces) {
    if (!view.inScope(name)) continue;
    NamespaceReport r;
    r.name = name;
    r.labels = ns.labels;
    r.hasResourceQuota = ns.hasResourceQuota;
    r.hasLimitRange = ns.hasLimitRange;
    for (const auto& w : view.workloads)
      if (w.namespace_ == name) ++(w.isPod() ? r.pods : r.workloads);
    r.adoption = adoptionOf(view, ns, defaults);
    report.namespaces.push_back(std::move(r));
  }
}

}  // namespace audit
