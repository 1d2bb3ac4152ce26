// The JSON report: {"namespaces": [...], "findings": [...], "summary": {...}, "notes": [...], "errors": [...]}.
#include <nlohmann/json.hpp>

#include "audit/report.h"
#include "findings/check_catalog.h"
#include "findings/report_json.h"

namespace audit {

std::string riskOf(const findings::Finding& finding) {
  const auto* d = findings::findCheck(finding.check);
  return d ? findings::riskName(d->risk) : "";
}

namespace {

nlohmann::json refusalsJson(const std::vector<Refusal>& refusals) {
  auto out = nlohmann::json::array();
  for (const auto& r : refusals) out.push_back({{"kind", r.kind}, {"name", r.name}, {"reason", r.reason}});
  return out;
}

nlohmann::json namespaceJson(const NamespaceReport& ns) {
  const auto& a = ns.adoption;
  nlohmann::json j = {{"name", ns.name},
                      {"labels", ns.labels},
                      {"enforce", a.enforce},
                      {"audit", a.audit},
                      {"warn", a.warn},
                      {"labelErrors", a.labelErrors},
                      {"violatingEnforce", refusalsJson(a.violatingEnforce)},
                      {"highestPassingLevel", a.highestPassingLevel},
                      {"version", a.version},
                      {"pods", ns.pods},
                      {"workloads", ns.workloads},
                      {"defaultDenyIngress", ns.defaultDenyIngress},
                      {"defaultDenyEgress", ns.defaultDenyEgress},
                      {"resourceQuota", ns.hasResourceQuota},
                      {"limitRange", ns.hasLimitRange}};
  if (a.nextLevel) j["nextLevel"] = {{"level", *a.nextLevel}, {"refused", refusalsJson(a.refusedAtNextLevel)}};
  return j;
}

nlohmann::json findingJson(const ClusterView& view, const Result& r) {
  const auto& f = r.finding;
  nlohmann::json j = {{"risk", riskOf(f)},
                      {"check", f.check},
                      {"severity", findings::severityName(findings::severityOf(f))},
                      {"kind", f.object.kind},
                      {"namespace", f.object.namespace_},
                      {"name", f.object.name}};
  if (!f.object.container.empty()) j["container"] = f.object.container;
  j["message"] = f.message;
  j["severityReason"] = f.severityReason;
  if (!f.field.empty()) j["field"] = f.field;
  if (r.manifest != Result::npos) {
    const auto& where = view.manifests[r.manifest].where;
    j["source"] = where.describe();
    if (int line = where.pointAt(f.field).line; line > 0) j["line"] = line;  // the offending field's
  }
  return j;
}

}  // namespace

std::string formatJson(const ClusterView& view, const AuditReport& report) {
  nlohmann::json out;
  out["namespaces"] = nlohmann::json::array();
  for (const auto& ns : report.namespaces) out["namespaces"].push_back(namespaceJson(ns));
  nlohmann::json bySeverity = nlohmann::json::object(), byRisk = nlohmann::json::object();
  for (const auto& r : report.results) {
    bySeverity[findings::severityName(findings::severityOf(r.finding))] =
        bySeverity.value(findings::severityName(findings::severityOf(r.finding)), 0) + 1;
    byRisk[riskOf(r.finding)] = byRisk.value(riskOf(r.finding), 0) + 1;
  }
  out["summary"] = {{"findings", report.results.size()},
                    {"bySeverity", bySeverity},
                    {"byRisk", byRisk},
                    {"namespaces", report.namespaces.size()},
                    {"objects", view.manifests.size()}};
  out["notes"] = report.notes;
  out["errors"] = report.errors;
  // Findings one at a time: tens of thousands of them as one tree cost more than the rest of the audit.
  return findings::jsonDocumentWithArray(out, "findings", report.results.size(),
                                         [&](size_t i) { return findingJson(view, report.results[i]); });
}

}  // namespace audit
