#include "findings/report_sarif.h"
#include "lint/report_format.h"
#include "version/version.h"

namespace lint {
namespace {

nlohmann::json notification(const char* level, const std::string& text) {
  return {{"level", level}, {"message", {{"text", text}}}};
}

// Input kguard could not judge is a tool execution problem, not a result: executionSuccessful is false
// when anything could not be read, and skipped documents are notes.
nlohmann::json invocation(const LintReport& report) {
  nlohmann::json notifications = nlohmann::json::array();
  for (const auto& e : report.errors) notifications.push_back(notification("error", e));
  for (const auto& s : report.skipped)
    notifications.push_back(notification("note", "skipped " + s));
  nlohmann::json out = {{"executionSuccessful", report.errors.empty()}};
  if (!notifications.empty()) out["toolExecutionNotifications"] = notifications;
  return out;
}

}  // namespace

// One result per finding with its file, line and column; rules described in full from the catalog.
std::string formatSarif(const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  findings::SarifRun run;
  run.alwaysRegion = true;
  run.build = findings::SarifRun::Build{kguard::kVersion, kguard::kGitCommit};
  run.invocation = invocation(report);
  for (const auto& r : report.results) {
    const auto& m = manifests[r.manifest];
    const auto& f = r.finding;
    std::string object = m.kind() + " " + (m.namespace_().empty() ? "" : m.namespace_() + "/") + m.name();
    FindingPosition at = findingPosition(m, f);
    run.results.push_back({f.check,
                           f.enforcement == Enforcement::Error ? "error" : "warning",
                           object + ": " + f.message + " [" + f.level + "]",
                           {{m.where.file, at.line, at.column, ""}},
                           nullptr});
  }
  return findings::formatSarif(run);
}

}  // namespace lint
