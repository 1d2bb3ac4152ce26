#include <map>

#include <nlohmann/json.hpp>

#include "findings/check_catalog.h"
#include "lint/report_format.h"
#include "version/version.h"

namespace lint {
namespace {

// A SARIF reportingDescriptor: what the check protects against, the fix (with the snippet to add) and a
// public page to open. Ids the catalog does not know still get a well-formed rule.
nlohmann::json ruleFor(const std::string& check) {
  const findings::CheckDescriptor* info = findings::findCheck(check);
  if (!info) return {{"id", check}, {"name", check}, {"shortDescription", {{"text", check}}}};
  std::string text = std::string(info->protects) + "\nFix: " + info->fix;
  std::string markdown = std::string("**") + info->title + "** (" + info->family + ")\n\n" + info->protects +
                         "\n\n**Fix:** " + info->fix + "\n\nReference: " + info->reference;
  return {{"id", check},
          {"name", check},
          {"shortDescription", {{"text", std::string(info->title) + " (" + info->family + ")"}}},
          {"fullDescription", {{"text", info->protects}}},
          {"helpUri", info->reference},
          {"help", {{"text", text}, {"markdown", markdown}}}};
}

nlohmann::json notification(const char* level, const std::string& text) {
  return {{"level", level}, {"message", {{"text", text}}}};
}

// Input kguard could not judge is a tool execution problem, not a result: executionSuccessful is false
// when anything could not be read, and skipped documents are notes.
nlohmann::json invocation(const LintReport& report) {
  nlohmann::json notifications = nlohmann::json::array();
  for (const auto& e : report.errors) notifications.push_back(notification("error", e));
  for (const auto& s : report.skipped)
    notifications.push_back(notification("note", s + ": skipped, no apiVersion and kind (not a Kubernetes object)"));
  nlohmann::json out = {{"executionSuccessful", report.errors.empty()}};
  if (!notifications.empty()) out["toolExecutionNotifications"] = notifications;
  return out;
}

}  // namespace

// SARIF 2.1.0: one rule per check id, one result per finding with its file, line and column.
std::string formatSarif(const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  std::map<std::string, size_t> ruleIndex;
  nlohmann::json rules = nlohmann::json::array();
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : report.results) {
    const auto& m = manifests[r.manifest];
    const auto& f = r.finding;
    auto [it, added] = ruleIndex.emplace(f.check, rules.size());
    if (added) rules.push_back(ruleFor(f.check));
    std::string object = m.kind() + " " + (m.namespace_().empty() ? "" : m.namespace_() + "/") + m.name();
    FindingPosition at = findingPosition(m, f);
    nlohmann::json region = {{"startLine", std::max(1, at.line)}};
    if (at.column > 0) region["startColumn"] = at.column;
    results.push_back(
        {{"ruleId", f.check},
         {"ruleIndex", it->second},
         {"level", f.enforcement == Enforcement::Error ? "error" : "warning"},
         {"message", {{"text", object + ": " + f.message + " [" + f.level + "]"}}},
         {"locations", {{{"physicalLocation", {{"artifactLocation", {{"uri", m.where.file}}}, {"region", region}}}}}}});
  }
  nlohmann::json driver = {{"name", "kguard"},
                           {"version", kguard::kVersion},
                           {"semanticVersion", kguard::kVersion},
                           {"properties", {{"gitCommit", kguard::kGitCommit}}},
                           {"rules", rules}};
  nlohmann::json sarif = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", {{{"tool", {{"driver", driver}}}, {"invocations", {invocation(report)}}, {"results", results}}}}};
  return sarif.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // file names may hold any bytes
}

}  // namespace lint
