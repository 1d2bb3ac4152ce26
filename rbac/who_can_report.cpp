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

}  // namespace

std::string formatWhoCanText(const Evaluator& ev, const Request& request, const std::vector<WhoCanEntry>& entries) {
  std::ostringstream out;
  out << "who can " << request.describe() << ":\n";
  std::size_t width = 7;
  for (const auto& e : entries) width = std::max(width, e.subject.describe().size());
  out << "SUBJECT" << std::string(width - 7 + 2, ' ') << "VIA\n";
  for (const auto& e : entries) {
    std::string s = e.subject.describe();
    out << s << std::string(width - s.size() + 2, ' ') << via(ev, e.allowedBy) << "\n";
  }
  return out.str();
}

std::string formatWhoCanJson(const Evaluator& ev, const Request& request, const std::vector<WhoCanEntry>& entries) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : entries) {
    nlohmann::json j = {{"kind", e.subject.kind}, {"name", e.subject.name}};
    if (!e.subject.namespace_.empty()) j["namespace"] = e.subject.namespace_;
    if (e.allowedBy.privilegedGroup) {
      j["privilegedGroup"] = true;
    } else {
      const Binding& b = ev.policy().bindings[e.allowedBy.binding];
      const Role& r = ev.policy().roles[e.allowedBy.role];
      j["binding"] = {{"kind", b.clusterScoped ? "ClusterRoleBinding" : "RoleBinding"}, {"name", b.name}};
      if (!b.namespace_.empty()) j["binding"]["namespace"] = b.namespace_;
      j["role"] = {{"kind", r.clusterScoped ? "ClusterRole" : "Role"}, {"name", r.name}};
      if (!r.namespace_.empty()) j["role"]["namespace"] = r.namespace_;
      j["ruleIndex"] = e.allowedBy.rule;
      j["rule"] = describeRule(r.rules[e.allowedBy.rule]);
    }
    arr.push_back(j);
  }
  nlohmann::json out = {{"request", request.describe()}, {"subjects", arr}};
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // file names may hold any bytes
}

}  // namespace rbac
