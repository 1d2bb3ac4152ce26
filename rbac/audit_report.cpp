#include "rbac/audit_report.h"

#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

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

std::string formatAuditText(const std::vector<EscalationFinding>& findings) {
  std::ostringstream out;
  for (const auto& f : findings) {
    out << "[" << severityName(f.severity) << "] " << f.subject.describe() << " (" << scopeName(f.scope) << "): " << f.title
        << "  [" << f.id << "]\n";
    out << "    " << f.path << "\n";
    for (const auto& link : f.chain) {
      out << "    via " << link.binding << " -> " << link.role;
      if (!link.ruleText.empty()) out << " rule " << link.rule << " {" << link.ruleText << "}";
      if (!link.source.empty()) out << " (" << link.source << ")";
      out << "\n";
    }
    for (const auto& hop : f.leadsTo) out << "    leads to " << hop << "\n";
  }
  std::map<Severity, int> counts;
  for (const auto& f : findings) counts[f.severity]++;
  out << findings.size() << " escalation finding(s): " << counts[Severity::Critical] << " critical, " << counts[Severity::High]
      << " high, " << counts[Severity::Medium] << " medium, " << counts[Severity::Low] << " low\n";
  return out.str();
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
  return arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // file names may hold any bytes
}

std::string formatAuditSarif(const std::vector<EscalationFinding>& findings) {
  nlohmann::json rules = nlohmann::json::array();
  std::map<std::string, std::size_t> ruleIndex;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& f : findings) {
    if (!ruleIndex.count(f.id)) {
      ruleIndex[f.id] = rules.size();
      rules.push_back({{"id", f.id},
                       {"name", f.id.substr(f.id.rfind('.') + 1)},
                       {"shortDescription", {{"text", f.title}}},
                       {"defaultConfiguration", {{"level", sarifLevel(f.severity)}}}});
    }
    nlohmann::json locations = nlohmann::json::array();
    for (const auto& link : f.chain) {
      if (link.file.empty() || isBuiltinSource(link.file)) continue;  // built-in objects have no file
      nlohmann::json physical = {{"artifactLocation", {{"uri", link.file}}}};
      if (link.line > 0) physical["region"] = {{"startLine", link.line}};
      locations.push_back({{"physicalLocation", physical}, {"message", {{"text", link.binding + " -> " + link.role}}}});
      break;  // the first binding of the chain is the primary location
    }
    results.push_back({{"ruleId", f.id},
                       {"ruleIndex", ruleIndex[f.id]},
                       {"level", sarifLevel(f.severity)},
                       {"message", {{"text", "[" + std::string(severityName(f.severity)) + "] " + f.path}}},
                       {"locations", locations},
                       {"properties", {{"severity", severityName(f.severity)}, {"subject", subjectJson(f.subject)}, {"scope", f.scope}}}});
    if (!f.assumesVersion.empty()) results.back()["properties"]["assumesKubernetesVersion"] = f.assumesVersion;
  }
  nlohmann::json sarif = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       {{{"tool", {{"driver", {{"name", "kguard"}, {"informationUri", "https://github.com/kguard"}, {"rules", rules}}}}},
         {"results", results}}}}};
  return sarif.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // file names may hold any bytes
}

}  // namespace rbac
