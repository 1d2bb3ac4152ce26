#include "lint/linter.h"

#include <map>

#include "kube/json_reader.h"
#include "kube/pod_decode.h"
#include "kube/volume_claims.h"
#include "lint/pod_security_level.h"
#include "netpol/lint.h"
#include "rbac/guardrails.h"
#include "rules/rule_registry.h"
#include "webhook/podsecurity/evaluator.h"

namespace lint {
namespace {

using NamespaceLabels = std::map<std::string, kube::StringMap>;

// Labels of every Namespace object in the input, by name.
NamespaceLabels collectNamespaces(const std::vector<kube::Manifest>& manifests) {
  NamespaceLabels out;
  for (const auto& m : manifests) {
    if (m.kind() != "Namespace" || m.apiVersion() != "v1") continue;
    try {
      auto meta = m.object.find("metadata");
      if (meta == m.object.end()) continue;
      auto decoded = kube::decodeObjectMeta(*meta, "metadata");
      out[decoded.name] = decoded.labels;
    } catch (const kube::DecodeError& e) {
      throw kube::InputError(m.errorAt(e.path(), e.problem()));
    }
  }
  return out;
}

// "spec.template" + "spec.containers[0]" -> "spec.template.spec.containers[0]"
std::string joinField(const std::string& prefix, const std::string& field) {
  if (prefix.empty()) return field;
  if (field.empty()) return prefix;
  return prefix + "." + field;
}

Severity severityFor(config::Mode mode) { return mode == config::Mode::Enforce ? Severity::Error : Severity::Warning; }

class Linter {
 public:
  Linter(const std::vector<kube::Manifest>& manifests, const LintOptions& options)
      : manifests_(manifests),
        options_(options),
        namespaces_(collectNamespaces(manifests)),
        levels_(options.level, options.version, options.config.lintLevel, options.config.lintVersion) {}

  LintReport run() {
    for (size_t i = 0; i < manifests_.size(); ++i) {
      const auto& m = manifests_[i];
      try {
        lintPod(i, m);
        lintVolumeClaims(i, m);
        lintRbac(i, m);
      } catch (const kube::DecodeError& e) {
        throw kube::InputError(m.errorAt(e.path(), e.problem()));
      }
    }
    // NetworkPolicy findings need every pod and namespace of the input at once.
    for (auto& [index, finding] : netpol::lintNetworkPolicies(manifests_)) add(index, std::move(finding));
    return std::move(report_);
  }

 private:
  void add(size_t index, Finding finding) { report_.results.push_back({index, std::move(finding)}); }

  const kube::StringMap* labelsOf(const kube::Manifest& m) const {
    std::string ns = m.namespace_().empty() ? options_.defaultNamespace : m.namespace_();
    auto it = namespaces_.find(ns);
    return it == namespaces_.end() ? nullptr : &it->second;
  }

  void lintPod(size_t index, const kube::Manifest& m) {
    auto pod = kube::extractPod(m.object);
    if (!pod) return;
    const std::string prefix = *kube::podTemplatePath(m.apiVersion(), m.kind());
    const kube::StringMap* nsLabels = labelsOf(m);

    auto policy = levels_.forNamespace(nsLabels);
    auto result = podsecurity::defaultEvaluator().evaluate(policy, pod->metadata, pod->spec);
    for (const auto& failure : result.failures) {
      Finding f;
      f.check = failure.id;
      f.level = policy.toString();
      f.message = failure.forbiddenReason;
      if (!failure.forbiddenDetail.empty()) f.message += " (" + failure.forbiddenDetail + ")";
      f.field = prefix;
      add(index, std::move(f));
    }
    for (auto& f : rules::evaluatePodRules(options_.config.rules, {*pod, nsLabels})) {
      f.field = joinField(prefix, f.field);
      f.severity = severityFor(options_.config.rulesMode);
      add(index, std::move(f));
    }
  }

  void lintVolumeClaims(size_t index, const kube::Manifest& m) {
    for (auto& f : rules::evaluateVolumeClaims(options_.config.rules, kube::extractVolumeClaims(m.object))) {
      f.severity = severityFor(options_.config.rulesMode);
      add(index, std::move(f));
    }
  }

  void lintRbac(size_t index, const kube::Manifest& m) {
    for (auto& f : rbac::checkGuardrails(options_.config.rbacGuardrails, m.object)) {
      f.severity = severityFor(options_.config.rbacMode);
      add(index, std::move(f));
    }
  }

  const std::vector<kube::Manifest>& manifests_;
  const LintOptions& options_;
  NamespaceLabels namespaces_;
  LevelChooser levels_;
  LintReport report_;
};

}  // namespace

bool LintReport::hasViolations() const {
  for (const auto& r : results)
    if (r.finding.severity == Severity::Error) return true;
  return false;
}

LintReport lintManifests(const std::vector<kube::Manifest>& manifests, const LintOptions& options) {
  return Linter(manifests, options).run();
}

}  // namespace lint
