// SARIF 2.1.0 for code-scanning UIs: one result per finding, located in the file (or API URL) the object
// was read from, with its object as a logical location and risk/severity as properties.
#include <set>

#include <nlohmann/json.hpp>

#include "audit/report.h"
#include "findings/check_catalog.h"
#include "version/version.h"

namespace audit {
namespace {

// GitHub code scanning ranks security results by this property (CVSS-like, 0.0-10.0).
const char* securitySeverity(findings::Severity s) {
  switch (s) {
    case findings::Severity::Critical: return "9.5";
    case findings::Severity::High: return "8.0";
    case findings::Severity::Medium: return "5.5";
    case findings::Severity::Low: return "3.0";
    case findings::Severity::Info: return "0.0";
  }
  return "0.0";
}

const char* sarifLevel(findings::Severity s) {
  if (s <= findings::Severity::High) return "error";
  return s == findings::Severity::Medium ? "warning" : "note";
}

nlohmann::json ruleJson(const std::string& id) {
  nlohmann::json rule = {{"id", id}};
  if (const auto* d = findings::findCheck(id)) {
    rule["shortDescription"] = {{"text", d->title}};
    rule["help"] = {{"text", std::string(d->protects) + "\n\n" + d->fix}, {"markdown", std::string(d->protects) + "\n\n" + d->fix}};
    if (*d->reference) rule["helpUri"] = d->reference;
    rule["properties"] = {{"risk", findings::riskName(d->risk)},
                          {"security-severity", securitySeverity(d->severity)},
                          {"tags", {"security", findings::riskName(d->risk)}}};
  }
  return rule;
}

}  // namespace

std::string formatSarif(const ClusterView& view, const AuditReport& report) {
  std::set<std::string> ids;
  for (const auto& r : report.results) ids.insert(r.finding.check);
  auto rules = nlohmann::json::array();
  for (const auto& id : ids) rules.push_back(ruleJson(id));
  auto results = nlohmann::json::array();
  for (const auto& r : report.results) {
    const auto& f = r.finding;
    const auto severity = findings::severityOf(f);
    const auto& o = f.object;
    std::string fqn = o.kind + "/" + (o.namespace_.empty() ? "" : o.namespace_ + "/") + o.name;
    if (!o.container.empty()) fqn += "/" + o.container;
    nlohmann::json result = {{"ruleId", f.check},
                             {"level", sarifLevel(severity)},
                             {"message", {{"text", o.kind + " " + (o.namespace_.empty() ? "" : o.namespace_ + "/") + o.name +
                                                       ": " + f.message}}},
                             {"properties", {{"risk", riskOf(f)},
                                             {"severity", findings::severityName(severity)},
                                             {"severityReason", f.severityReason},
                                             {"security-severity", securitySeverity(severity)}}}};
    nlohmann::json location = {{"logicalLocations", {{{"fullyQualifiedName", fqn}, {"kind", "object"}}}}};
    if (r.manifest != Result::npos) {
      const auto& where = view.manifests[r.manifest].where;
      nlohmann::json physical = {{"artifactLocation", {{"uri", where.file}}}};
      int line = f.field.empty() ? 0 : where.lineOf(f.field);
      if (line == 0) line = where.line;
      if (line > 0) physical["region"] = {{"startLine", line}};
      location["physicalLocation"] = physical;
    }
    result["locations"] = {location};
    results.push_back(result);
  }
  auto notifications = nlohmann::json::array();
  for (const auto& e : report.errors) notifications.push_back({{"level", "error"}, {"message", {{"text", e}}}});
  for (const auto& n : report.notes) notifications.push_back({{"level", "note"}, {"message", {{"text", "skipped: " + n}}}});
  nlohmann::json sarif = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       {{{"tool", {{"driver", {{"name", "kguard"},
                               {"version", kguard::kVersion},
                               {"rules", rules}}}}},
         {"results", results},
         {"invocations", {{{"executionSuccessful", report.errors.empty()}, {"toolExecutionNotifications", notifications}}}}}}}};
  return sarif.dump(2) + "\n";
}

}  // namespace audit
