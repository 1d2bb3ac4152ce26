// Per-pod checks: every existing evaluator over every Pod and workload template.
#include <chrono>
#include <iterator>
#include <map>
#include <set>

#include "audit/checks.h"
#include "kube/pod_decode.h"
#include "kube/volume_claims.h"
#include "rules/image_signatures.h"
#include "rules/rule_registry.h"
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/evaluator.h"
#include "podsecurity/failure_fields.h"

namespace audit {
namespace {

// The rules the audit always runs: the risk classes resource-limits, image-trust and privilege ask for
// limits, pinned images and read-only root filesystems whatever the configuration enables for
// admission. Registries, storage classes and sandboxed runtimes need the configuration's lists.
rules::RulesConfig auditRules(const rules::RulesConfig& configured) {
  rules::RulesConfig r = configured;
  if (r.requiredLimits.empty()) r.requiredLimits = {"cpu", "memory"};
  r.disallowLatestTag = true;
  r.requireImageDigest = true;
  r.requireReadOnlyRootFilesystem = true;
  return r;
}

// Restricted check id -> the baseline check it replaces at the restricted level (upstream's
// OverrideCheckIDs at the newest version): restrictedVolumes reports hostPath volumes again, so a pod
// failing both is reported once, by the baseline check, whose risk and severity are the sharper ones.
const std::map<std::string, std::string>& overriddenBaselineChecks() {
  static const std::map<std::string, std::string> overrides = [] {
    std::map<std::string, std::string> out;
    for (const auto& check : podsecurity::checks::defaultChecks())
      if (!check.versions.empty())
        for (const auto& id : check.versions.back().overrides) out[check.id] = id;
    return out;
  }();
  return overrides;
}

// Baseline and restricted at the latest version: every check upstream defines, each failure once.
void podSecurity(CheckContext& ctx, const Workload& w) {
  const podsecurity::LevelVersion baseline{podsecurity::Level::Baseline, podsecurity::Version::latest()};
  const podsecurity::LevelVersion restricted{podsecurity::Level::Restricted, podsecurity::Version::latest()};
  const auto& evaluator = podsecurity::defaultEvaluator();
  auto failedBaseline = evaluator.evaluate(baseline, w.pod.metadata, w.pod.spec).failures;
  std::set<std::string> failed;
  for (const auto& f : failedBaseline) failed.insert(f.id);
  auto add = [&](const podsecurity::CheckResult& failure, const podsecurity::LevelVersion& level) {
    std::string message = failure.forbiddenReason;
    if (!failure.forbiddenDetail.empty()) message += " (" + failure.forbiddenDetail + ")";
    // At the offending field, as lint points at it (one home: podsecurity::failedField).
    std::string field = kube::fieldInObject(w.templatePath, podsecurity::failedField(failure.id, w.pod, level.version));
    ctx.add(w.manifest, workloadFinding(w, failure.id, level.toString(), message, field));
  };
  for (const auto& failure : failedBaseline) add(failure, baseline);
  for (const auto& failure : evaluator.evaluate(restricted, w.pod.metadata, w.pod.spec).failures) {
    if (failed.count(failure.id)) continue;  // a baseline check, already reported
    auto replaced = overriddenBaselineChecks().find(failure.id);
    if (replaced != overriddenBaselineChecks().end() && failed.count(replaced->second)) continue;
    add(failure, restricted);
  }
}

void kguardRules(CheckContext& ctx, const Workload& w, const rules::RulesConfig& config) {
  auto ns = ctx.view.namespaces.find(w.namespace_);
  const kube::StringMap* labels = ns != ctx.view.namespaces.end() && ns->second.listed ? &ns->second.labels : nullptr;
  auto account = ctx.view.serviceAccounts.find(w.namespace_ + "/" + w.serviceAccount());
  const std::optional<bool>* accountAutomount =
      account != ctx.view.serviceAccounts.end() ? &account->second.automountServiceAccountToken : nullptr;
  auto found = rules::evaluatePodRules(config, {w.pod, labels, accountAutomount});
  if (ctx.options.imageVerifier && !config.imageSignatures.empty()) {
    // The webhook's budget per object, as one object is one admission request there.
    auto deadline = images::Deadline::in(std::chrono::milliseconds(config.imageVerificationBudgetMs));
    auto signatures = rules::checkImageSignatures(config.imageSignatures, w.pod.spec, *ctx.options.imageVerifier, deadline);
    found.insert(found.end(), std::make_move_iterator(signatures.begin()), std::make_move_iterator(signatures.end()));
  }
  for (auto& f : found) {
    std::string container = containerAt(w.pod.spec, f.field);
    ctx.add(w.manifest, workloadFinding(w, f.check, f.level, f.message, kube::fieldInObject(w.templatePath, f.field), container));
  }
  auto claims = w.objectClaims;
  try {
    auto podClaims = kube::podVolumeClaims(w.pod, w.templatePath);
    claims.insert(claims.end(), podClaims.begin(), podClaims.end());
  } catch (const kube::DecodeError& e) {  // reported, and the object's other claims still judged
    ctx.report.errors.push_back(ctx.view.manifests[w.manifest].errorAt(e.path(), e.problem()));
  }
  for (auto& f : rules::evaluateVolumeClaims(config, claims))
    ctx.add(w.manifest, workloadFinding(w, f.check, f.level, f.message, f.field));
}

}  // namespace

void checkPods(CheckContext& ctx) {
  const rules::RulesConfig config = auditRules(ctx.options.config.rules);
  for (const auto& w : ctx.view.workloads) {
    if (!ctx.view.inScope(w.namespace_)) continue;
    podSecurity(ctx, w);
    kguardRules(ctx, w, config);
  }
  for (const auto& [index, claims] : ctx.view.volumeClaims) {
    const auto& m = ctx.view.manifests[index];
    const std::string ns = m.namespace_().empty() ? "default" : m.namespace_();
    if (!ctx.view.inScope(ns)) continue;
    for (auto& f : rules::evaluateVolumeClaims(config, claims)) {
      f.object = {m.kind(), ns, m.name(), ""};
      ctx.add(index, std::move(f));
    }
  }
}

}  // namespace audit
