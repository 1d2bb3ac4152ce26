// Per-pod checks: every existing evaluator over every Pod and workload template, plus Secrets in env.
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "audit/checks.h"
#include "kube/volume_claims.h"
#include "rules/rule_registry.h"
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/evaluator.h"

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

std::string joinField(const std::string& prefix, const std::string& field) {
  if (prefix.empty()) return field;
  if (field.empty()) return prefix;
  return prefix + "." + field;
}

const nlohmann::json* at(const nlohmann::json& object, const std::string& dottedPath) {
  const nlohmann::json* node = &object;
  for (size_t begin = 0; begin < dottedPath.size();) {
    size_t end = std::min(dottedPath.find('.', begin), dottedPath.size());
    if (!node->is_object()) return nullptr;
    auto it = node->find(dottedPath.substr(begin, end - begin));
    if (it == node->end()) return nullptr;
    node = &*it;
    begin = end + 1;
  }
  return node;
}

std::string secretName(const nlohmann::json& ref) {
  if (!ref.is_object()) return "";
  auto name = ref.find("name");
  return name != ref.end() && name->is_string() ? name->get<std::string>() : "";
}

// env[].valueFrom.secretKeyRef and envFrom[].secretRef of every container: the value ends up in the
// process environment, which child processes inherit, crash dumps and /proc/PID/environ show, and
// which `kubectl describe`-level access does not protect as a Secret volume would.
void secretsInEnv(CheckContext& ctx, const Workload& w) {
  const nlohmann::json* spec = at(ctx.view.manifests[w.manifest].object, joinField(w.templatePath, "spec"));
  if (!spec || !spec->is_object()) return;
  for (const char* list : {"initContainers", "containers"}) {
    auto containers = spec->find(list);
    if (containers == spec->end() || !containers->is_array()) continue;
    for (size_t i = 0; i < containers->size(); ++i) {
      const auto& c = (*containers)[i];
      if (!c.is_object()) continue;
      const std::string name = c.value("name", "");
      const std::string field = joinField(w.templatePath, std::string("spec.") + list + "[" + std::to_string(i) + "]");
      auto env = c.find("env");
      if (env != c.end() && env->is_array())
        for (size_t e = 0; e < env->size(); ++e) {
          const auto* ref = at((*env)[e], "valueFrom.secretKeyRef");
          if (!ref) continue;
          ctx.add(w.manifest, workloadFinding(w, "audit.secretInEnv", "audit",
                                              "container \"" + name + "\" reads Secret \"" + secretName(*ref) +
                                                  "\" into environment variable " + (*env)[e].value("name", "?") +
                                                  "; mount it as a volume instead",
                                              field + ".env[" + std::to_string(e) + "]", name));
        }
      auto envFrom = c.find("envFrom");
      if (envFrom != c.end() && envFrom->is_array())
        for (size_t e = 0; e < envFrom->size(); ++e) {
          const auto* ref = at((*envFrom)[e], "secretRef");
          if (!ref) continue;
          ctx.add(w.manifest, workloadFinding(w, "audit.secretInEnv", "audit",
                                              "container \"" + name + "\" reads every key of Secret \"" + secretName(*ref) +
                                                  "\" into its environment (envFrom); mount it as a volume instead",
                                              field + ".envFrom[" + std::to_string(e) + "]", name));
        }
    }
  }
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
    ctx.add(w.manifest, workloadFinding(w, failure.id, level.toString(), message, w.templatePath));
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
  for (auto& f : rules::evaluatePodRules(config, {w.pod, labels})) {
    std::string container = containerAt(w.pod.spec, f.field);
    ctx.add(w.manifest, workloadFinding(w, f.check, f.level, f.message, joinField(w.templatePath, f.field), container));
  }
  auto claims = kube::objectVolumeClaims(ctx.view.manifests[w.manifest].object);
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
    secretsInEnv(ctx, w);
  }
  for (size_t index : ctx.view.volumeClaims) {
    const auto& m = ctx.view.manifests[index];
    const std::string ns = m.namespace_().empty() ? "default" : m.namespace_();
    if (!ctx.view.inScope(ns)) continue;
    for (auto& f : rules::evaluateVolumeClaims(config, kube::objectVolumeClaims(m.object))) {
      f.object = {m.kind(), ns, m.name(), ""};
      ctx.add(index, std::move(f));
    }
  }
}

}  // namespace audit
