#include "rbac/who_can_report.h"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "rbac/audit.h"

namespace rbac {
namespace {

std::string via(const Evaluator& ev, const Allowance& a) {
  if (a.privilegedGroup) return "privileged group (allowed before RBAC)";
  const Binding& b = ev.policy().bindings[a.binding];
  return b.describe() + " -> " + ev.policy().roles[a.role].describe() + " rule " + std::to_string(a.rule);
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// A table with left-aligned columns two spaces apart (the last one unpadded).
void printTable(std::ostringstream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c + 1 < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    for (std::size_t c = 0; c + 1 < row.size(); ++c) out << row[c] << std::string(width[c] - row[c].size() + 2, ' ');
    out << row.back() << "\n";
  }
}

nlohmann::json subjectJson(const Evaluator& ev, const Subject& subject, const Allowance& allowedBy) {
  nlohmann::json j = {{"kind", subject.kind}, {"name", subject.name}};
  if (!subject.namespace_.empty()) j["namespace"] = subject.namespace_;
  if (allowedBy.privilegedGroup) {
    j["privilegedGroup"] = true;
    return j;
  }
  const Binding& b = ev.policy().bindings[allowedBy.binding];
  const Role& r = ev.policy().roles[allowedBy.role];
  j["binding"] = {{"kind", b.clusterScoped ? "ClusterRoleBinding" : "RoleBinding"}, {"name", b.name}};
  if (!b.namespace_.empty()) j["binding"]["namespace"] = b.namespace_;
  j["role"] = {{"kind", r.clusterScoped ? "ClusterRole" : "Role"}, {"name", r.name}};
  if (!r.namespace_.empty()) j["role"]["namespace"] = r.namespace_;
  j["ruleIndex"] = allowedBy.rule;
  j["rule"] = describeRule(r.rules[allowedBy.rule]);
  return j;
}

}  // namespace

std::string formatWhoCanText(const Evaluator& ev, const Request& request, const std::vector<WhoCanEntry>& entries,
                             const std::vector<NamedOnlyEntry>& onlyNamed) {
  std::ostringstream out;
  out << "who can " << request.describe() << ":\n";
  std::vector<std::vector<std::string>> rows = {{"SUBJECT", "VIA"}};
  for (const auto& e : entries) rows.push_back({e.subject.describe(), via(ev, e.allowedBy)});
  printTable(out, rows);
  if (!onlyNamed.empty()) {
    out << "\nonly on named objects (rules with resourceNames; the request must name one of them):\n";
    std::vector<std::vector<std::string>> named = {{"SUBJECT", "NAMES", "VIA"}};
    for (const auto& e : onlyNamed) named.push_back({e.subject.describe(), joined(e.names), via(ev, e.allowedBy)});
    printTable(out, named);
  }
  return out.str();
}

std::string formatWhoCanJson(const Evaluator& ev, const Request& request, const std::vector<WhoCanEntry>& entries,
                             const std::vector<NamedOnlyEntry>& onlyNamed) {
  nlohmann::json subjects = nlohmann::json::array(), named = nlohmann::json::array();
  for (const auto& e : entries) subjects.push_back(subjectJson(ev, e.subject, e.allowedBy));
  for (const auto& e : onlyNamed) {
    nlohmann::json j = subjectJson(ev, e.subject, e.allowedBy);
    j["resourceNames"] = e.names;
    named.push_back(std::move(j));
  }
  nlohmann::json out = {{"request", request.describe()}, {"subjects", subjects}, {"onlyNamedObjects", named}};
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // file names may hold any bytes
}

}  // namespace rbac
