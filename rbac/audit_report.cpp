#include "rbac/audit_report.h"

#include <nlohmann/json.hpp>

#include "findings/report_json.h"
#include "findings/report_sarif.h"
#include "findings/report_text.h"
#include "rbac/builtin_roles.h"

namespace rbac {
namespace {

std::string scopeName(const std::string& scope) { return scope.empty() ? "cluster-wide" : "namespace " + scope; }

nlohmann::json subjectJson(const Subject& s) {
  nlohmann::json j = {{"kind", s.kind}, {"name", s.name}};
  if (!s.namespace_.empty()) j["namespace"] = s.namespace_;
  return j;
}

// SARIF levels: critical and high fail a scan, medium warns, low is a note.
const char* sarifLevel(Severity s) {
  return s == Severity::Critical || s == Severity::High ? "error" : s == Severity::Medium ? "warning" : "note";
}

}  // namespace

// `[severity] subject (scope): title  [id]`, the path and chain under it (findings::formatText), then the
// counts of every severity.
std::string formatAuditText(const std::vector<EscalationFinding>& findings) {
  findings::TextReport text;
  text.style = findings::TextReport::Style::Blocks;
  std::vector<Severity> severities;
  for (const auto& f : findings) {
    findings::TextEntry e;
    e.severity = f.severity;
    e.object = f.subject.describe() + " (" + scopeName(f.scope) + ")";
    e.message = f.title;
    e.check = f.id;
    e.details.push_back(f.path);
    for (const auto& link : f.chain) {
      std::string line = "via " + link.binding + " -> " + link.role;
      if (!link.ruleText.empty()) line += " rule " + std::to_string(link.rule) + " {" + link.ruleText + "}";
      if (!link.source.empty()) line += " (" + link.source + ")";
      e.details.push_back(line);
    }
    for (const auto& hop : f.leadsTo) e.details.push_back("leads to " + hop);
    text.entries.push_back(std::move(e));
    severities.push_back(f.severity);
  }
  return findings::formatText(text) + std::to_string(findings.size()) + " escalation finding(s): " +
         findings::severityCounts(severities, true) + "\n";
}

std::string formatAuditJson(const std::vector<EscalationFinding>& findings) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& f : findings) {
    nlohmann::json chain = nlohmann::json::array();
    for (const auto& link : f.chain) {
      nlohmann::json j = {{"binding", link.binding}, {"role", link.role}, {"source", link.source}};
      if (!link.ruleText.empty()) {
        j["ruleIndex"] = link.rule;
        j["rule"] = link.ruleText;
      }
      chain.push_back(j);
    }
    arr.push_back({{"id", f.id},
                   {"severity", severityName(f.severity)},
                   {"subject", subjectJson(f.subject)},
                   {"scope", f.scope.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.scope)},
                   {"title", f.title},
                   {"path", f.path},
                   {"grants", f.grants},
                   {"chain", chain},
                   {"leadsTo", f.leadsTo}});
    if (!f.assumesVersion.empty()) arr.back()["assumesKubernetesVersion"] = f.assumesVersion;
  }
  return findings::jsonDocument(arr);
}

// One result per finding at its first binding's file; rules briefly described (title, level of the first).
std::string formatAuditSarif(const std::vector<EscalationFinding>& findings) {
  findings::SarifRun run;
  run.rules = findings::SarifRun::Rules::Brief;
  run.informationUri = "https://github.com/kguard";
  for (const auto& f : findings) {
    std::vector<findings::SarifLocation> locations;
    for (const auto& link : f.chain) {
      if (link.file.empty() || isBuiltinSource(link.file)) continue;  // built-in objects have no file
      locations.push_back({link.file, link.line, 0, link.binding + " -> " + link.role});
      break;  // the first binding of the chain is the primary location
    }
    nlohmann::json properties = {{"severity", severityName(f.severity)}, {"subject", subjectJson(f.subject)}, {"scope", f.scope}};
    if (!f.assumesVersion.empty()) properties["assumesKubernetesVersion"] = f.assumesVersion;
    run.results.push_back({f.id, sarifLevel(f.severity), "[" + std::string(severityName(f.severity)) + "] " + f.path,
                           std::move(locations), std::move(properties)});
  }
  return findings::formatSarif(run);
}

}  // namespace rbac
