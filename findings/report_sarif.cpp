#include "findings/report_sarif.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "findings/check_catalog.h"
#include "findings/report_json.h"

namespace findings {
namespace {

// kguard has no documentation site of its own: the help link is docs/rules.md in kguard's repository, each
// check under an anchor named by its id (rulesMarkdown writes them).
const char* const kRulesDoc = "https://github.com/kguard/kguard/blob/main/docs/rules.md";

// A reportingDescriptor. Full: what the check protects against, the fix (with the snippet to add) and the
// upstream reference, so that code-scanning UIs show it without following the link.
nlohmann::json fullRule(const std::string& id) {
  const CheckDescriptor* info = findCheck(id);
  if (!info) return {{"id", id}, {"name", id}, {"shortDescription", {{"text", id}}}};  // still well-formed
  std::string text = std::string(info->protects) + "\nFix: " + info->fix;
  std::string markdown = std::string("**") + info->title + "** (" + info->family + ")\n\n" + info->protects +
                         "\n\n**Fix:** " + info->fix + "\n\nReference: " + info->reference;
  return {{"id", id},
          {"name", id},
          {"shortDescription", {{"text", std::string(info->title) + " (" + info->family + ")"}}},
          {"fullDescription", {{"text", info->protects}}},
          {"helpUri", rulesDocUri(id)},
          {"help", {{"text", text}, {"markdown", markdown}}}};
}

nlohmann::json briefRule(const std::string& id, const char* level) {
  const CheckDescriptor* info = findCheck(id);
  nlohmann::json rule = {{"id", id},
                         {"name", id.substr(id.rfind('.') + 1)},
                         {"shortDescription", {{"text", info ? info->title : id}}},
                         {"defaultConfiguration", {{"level", level}}}};
  if (info) rule["helpUri"] = rulesDocUri(id);
  return rule;
}

bool hasScheme(const std::string& uri) {
  const size_t colon = uri.find("://");
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(uri[0]))) return false;
  return std::all_of(uri.begin(), uri.begin() + static_cast<std::ptrdiff_t>(colon),
                     [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; });
}

}  // namespace

// artifactLocation.uri must be a URI reference (SARIF 3.4.3; GitHub's upload-sarif rejects the log
// otherwise): a file name is percent-encoded but for unreserved characters and '/', and an absolute path
// is a file:// URI, which code scanning makes relative to the checkout. URLs (live objects) stay as they are.
std::string artifactUri(const std::string& file) {
  if (hasScheme(file)) return file;
  static const char* const kHex = "0123456789ABCDEF";
  std::string out = file.rfind('/', 0) == 0 ? "file://" : "";
  for (unsigned char c : file) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

nlohmann::json location(const SarifLocation& at, bool alwaysRegion) {
  nlohmann::json physical = {{"artifactLocation", {{"uri", artifactUri(at.uri)}}}};
  if (alwaysRegion || at.line > 0) {
    nlohmann::json region = {{"startLine", std::max(1, at.line)}};
    if (at.column > 0) region["startColumn"] = at.column;
    physical["region"] = region;
  }
  nlohmann::json out = {{"physicalLocation", physical}};
  if (!at.message.empty()) out["message"] = {{"text", at.message}};
  return out;
}

}  // namespace

std::string rulesDocUri(const std::string& id) { return std::string(kRulesDoc) + "#" + id; }

std::string formatSarif(const SarifRun& run) {
  std::map<std::string, size_t> ruleIndex;
  nlohmann::json rules = nlohmann::json::array();
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : run.results) {
    auto [it, added] = ruleIndex.emplace(r.ruleId, rules.size());
    if (added) rules.push_back(run.rules == SarifRun::Rules::Full ? fullRule(r.ruleId) : briefRule(r.ruleId, r.level));
    nlohmann::json locations = nlohmann::json::array();
    for (const auto& at : r.locations) locations.push_back(location(at, run.alwaysRegion));
    nlohmann::json result = {{"ruleId", r.ruleId},
                             {"ruleIndex", it->second},
                             {"level", r.level},
                             {"message", {{"text", r.message}}},
                             {"locations", locations}};
    if (!r.properties.is_null()) result["properties"] = r.properties;
    results.push_back(std::move(result));
  }
  nlohmann::json driver = {{"name", "kguard"}, {"rules", rules}};
  if (run.build) {
    driver["version"] = run.build->version;
    driver["semanticVersion"] = run.build->version;
    driver["properties"] = {{"gitCommit", run.build->gitCommit}};
  }
  if (!run.informationUri.empty()) driver["informationUri"] = run.informationUri;
  nlohmann::json sarifRun = {{"tool", {{"driver", driver}}}, {"results", results}};
  if (run.invocation) sarifRun["invocations"] = {*run.invocation};
  nlohmann::json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"}, {"version", "2.1.0"}, {"runs", {sarifRun}}};
  return jsonDocument(sarif);
}

}  // namespace findings
