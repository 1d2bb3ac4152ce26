// SARIF 2.1.0 through the one writer (findings/report_sarif.h): one result per finding, located in the
// file (or API URL) its object was read from, with the object, risk and severity as properties.
#include "audit/report.h"
#include "findings/check_catalog.h"
#include "findings/report_sarif.h"
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

std::string objectName(const findings::ObjectRef& o) {
  return o.kind + " " + (o.namespace_.empty() ? "" : o.namespace_ + "/") + o.name;
}

}  // namespace

std::string formatSarif(const ClusterView& view, const AuditReport& report) {
  findings::SarifRun run;
  run.build = findings::SarifRun::Build{kguard::kVersion, kguard::kGitCommit};
  nlohmann::json notifications = nlohmann::json::array();
  for (const auto& e : report.errors) notifications.push_back({{"level", "error"}, {"message", {{"text", e}}}});
  for (const auto& n : report.notes) notifications.push_back({{"level", "note"}, {"message", {{"text", "skipped: " + n}}}});
  run.invocation = nlohmann::json{{"executionSuccessful", report.errors.empty()}, {"toolExecutionNotifications", notifications}};
  for (const auto& r : report.results) {
    const auto& f = r.finding;
    const auto severity = findings::severityOf(f);
    std::vector<findings::SarifLocation> locations;
    if (r.manifest != Result::npos) {
      const auto& where = view.manifests[r.manifest].where;
      kube::YamlMark at = where.pointAt(f.field);
      locations.push_back({where.file, at.line, at.column, ""});
    }
    nlohmann::json properties = {{"object", objectName(f.object)},
                                 {"risk", riskOf(f)},
                                 {"severity", findings::severityName(severity)},
                                 {"severityReason", f.severityReason},
                                 {"security-severity", securitySeverity(severity)}};
    if (!f.object.container.empty()) properties["container"] = f.object.container;
    run.results.push_back({f.check, sarifLevel(severity), objectName(f.object) + ": " + f.message, locations, properties});
  }
  return findings::formatSarif(run);
}

}  // namespace audit
