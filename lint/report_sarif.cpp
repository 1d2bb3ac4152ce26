#include <map>

#include <nlohmann/json.hpp>

#include "lint/report_format.h"

namespace lint {
namespace {

std::string helpFor(const std::string& check) {
  if (check.rfind("kguard.", 0) == 0) return "kguard rule " + check + " (see docs/rules.md)";
  if (check.rfind("rbac.", 0) == 0) return "kguard RBAC guardrail " + check + " (see rbac/README.md)";
  if (check.rfind("netpol.", 0) == 0) return "kguard NetworkPolicy lint " + check;
  return "Pod Security Standards check " + check +
         " (https://kubernetes.io/docs/concepts/security/pod-security-standards/)";
}

}  // namespace

// SARIF 2.1.0: one rule per check id, one result per finding with its file and line.
std::string formatSarif(const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  std::map<std::string, size_t> ruleIndex;
  nlohmann::json rules = nlohmann::json::array();
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : report.results) {
    const auto& m = manifests[r.manifest];
    const auto& f = r.finding;
    auto [it, added] = ruleIndex.emplace(f.check, rules.size());
    if (added)
      rules.push_back({{"id", f.check}, {"name", f.check}, {"shortDescription", {{"text", helpFor(f.check)}}}});
    std::string object = m.kind() + " " + (m.namespace_().empty() ? "" : m.namespace_() + "/") + m.name();
    results.push_back(
        {{"ruleId", f.check},
         {"ruleIndex", it->second},
         {"level", f.severity == Severity::Error ? "error" : "warning"},
         {"message", {{"text", object + ": " + f.message + " [" + f.level + "]"}}},
         {"locations",
          {{{"physicalLocation",
             {{"artifactLocation", {{"uri", m.where.file}}}, {"region", {{"startLine", std::max(1, findingLine(m, f))}}}}}}}}});
  }
  nlohmann::json sarif = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       {{{"tool", {{"driver", {{"name", "kguard"}, {"rules", rules}}}}},
         {"results", results}}}}};
  return sarif.dump(2) + "\n";
}

}  // namespace lint
