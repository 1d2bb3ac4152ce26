#include "audit/audit.h"

#include <algorithm>

#include "audit/checks.h"
#include "findings/check_catalog.h"

namespace audit {

findings::Finding workloadFinding(const Workload& w, std::string check, std::string level, std::string message,
                                  std::string field, std::string container) {
  findings::Finding f;
  f.check = std::move(check);
  f.level = std::move(level);
  f.message = std::move(message);
  f.field = std::move(field);
  f.object = {w.kind, w.namespace_, w.name, std::move(container)};
  return f;
}

std::string containerAt(const kube::PodSpec& spec, const std::string& field) {
  for (auto [list, name] : {std::pair{&spec.initContainers, "spec.initContainers["},
                            std::pair{&spec.containers, "spec.containers["},
                            std::pair{&spec.ephemeralContainers, "spec.ephemeralContainers["}}) {
    const std::string prefix = name;
    if (field.compare(0, prefix.size(), prefix) != 0) continue;
    size_t index = std::strtoul(field.c_str() + prefix.size(), nullptr, 10);
    return index < list->size() ? (*list)[index].name : "";
  }
  return "";
}

AuditReport runAudit(const ClusterView& view, const AuditOptions& options) {
  AuditReport report;
  report.errors = view.errors;
  fillAdoption(view, options.config, report);
  CheckContext ctx{view, options, report};
  // What a live API server's authorizer decides (stored ClusterRole aggregation, recomputed only
  // where a manifest left it empty).
  const rbac::Evaluator rbacEvaluator(view.rbac, {rbac::AggregationMode::RecomputedWhenEmpty});
  checkPods(ctx);
  checkSecrets(ctx, rbacEvaluator);
  checkNamespaces(ctx);
  auto reachableFrom = checkNetwork(ctx);
  checkRbac(ctx, rbacEvaluator);
  applySeverityJoins(report, view, reachableFrom);
  std::stable_sort(report.results.begin(), report.results.end(), [](const Result& a, const Result& b) {
    auto sa = findings::severityOf(a.finding), sb = findings::severityOf(b.finding);
    if (sa != sb) return sa < sb;
    const auto& x = a.finding.object;
    const auto& y = b.finding.object;
    return std::tie(x.namespace_, x.kind, x.name, x.container, a.finding.check) <
           std::tie(y.namespace_, y.kind, y.name, y.container, b.finding.check);
  });
  return report;
}

bool anyAtOrAbove(const AuditReport& report, findings::Severity threshold) {
  return std::any_of(report.results.begin(), report.results.end(),
                     [&](const Result& r) { return findings::severityOf(r.finding) <= threshold; });
}

}  // namespace audit
