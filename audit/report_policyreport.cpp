// wgpolicyk8s.io/v1alpha2 PolicyReports (kubernetes-sigs/wg-policy-prototypes, policy-report/apis/
// wgpolicyk8s.io/v1alpha2): one PolicyReport "kguard-audit" per namespace with the findings about its
// objects, one ClusterPolicyReport "kguard-audit" with the rest (Namespaces, RBAC subjects without a
// namespace). Every finding is a `fail` result: the policy is the check id, the category its risk. The
// CRDs are shipped in manifests/policyreport/.
#include <chrono>
#include <map>

#include <nlohmann/json.hpp>

#include "audit/report.h"
#include "findings/check_catalog.h"
#include "findings/report_json.h"

namespace audit {
namespace {

const char* kApiVersion = "wgpolicyk8s.io/v1alpha2";
const char* kReportName = "kguard-audit";

// The API version of the kinds the audit reports, for the result's ObjectReference.
std::string apiVersionOf(const std::string& kind) {
  static const std::map<std::string, std::string> versions = {
      {"Deployment", "apps/v1"},     {"DaemonSet", "apps/v1"},      {"StatefulSet", "apps/v1"},
      {"ReplicaSet", "apps/v1"},     {"Job", "batch/v1"},           {"CronJob", "batch/v1"},
      {"NetworkPolicy", "networking.k8s.io/v1"}, {"User", "rbac.authorization.k8s.io/v1"},
      {"Group", "rbac.authorization.k8s.io/v1"}};
  auto it = versions.find(kind);
  return it == versions.end() ? "v1" : it->second;
}

nlohmann::json resultJson(const findings::Finding& f, int64_t now) {
  nlohmann::json resource = {{"apiVersion", apiVersionOf(f.object.kind)}, {"kind", f.object.kind}, {"name", f.object.name}};
  if (!f.object.namespace_.empty()) resource["namespace"] = f.object.namespace_;
  nlohmann::json properties = {{"severityReason", f.severityReason}};
  if (!f.object.container.empty()) properties["container"] = f.object.container;
  if (!f.field.empty()) properties["field"] = f.field;
  return {{"source", "kguard"},
          {"policy", f.check},
          {"category", riskOf(f)},
          {"severity", findings::severityName(findings::severityOf(f))},
          {"result", "fail"},
          {"scored", true},
          {"timestamp", {{"seconds", now}, {"nanos", 0}}},
          {"resources", {resource}},
          {"message", f.message},
          {"properties", properties}};
}

nlohmann::json report(const char* kind, const std::string& namespace_) {
  nlohmann::json metadata = {{"name", kReportName}, {"labels", {{"app.kubernetes.io/managed-by", "kguard"}}}};
  if (!namespace_.empty()) metadata["namespace"] = namespace_;
  return {{"apiVersion", kApiVersion},
          {"kind", kind},
          {"metadata", metadata},
          {"summary", {{"pass", 0}, {"fail", 0}, {"warn", 0}, {"error", 0}, {"skip", 0}}},
          {"results", nlohmann::json::array()}};
}

}  // namespace

std::string formatPolicyReport(const ClusterView&, const AuditReport& audit) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::map<std::string, nlohmann::json> perNamespace;
  for (const auto& ns : audit.namespaces) perNamespace.emplace(ns.name, report("PolicyReport", ns.name));
  nlohmann::json cluster = report("ClusterPolicyReport", "");
  for (const auto& r : audit.results) {
    const auto& ns = r.finding.object.namespace_;
    auto it = perNamespace.find(ns);
    nlohmann::json& target = ns.empty() ? cluster : it != perNamespace.end() ? it->second
                                                    : perNamespace.emplace(ns, report("PolicyReport", ns)).first->second;
    target["results"].push_back(resultJson(r.finding, now));
    target["summary"]["fail"] = target["summary"]["fail"].get<int>() + 1;
  }
  nlohmann::json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", nlohmann::json::array()}};
  for (auto& [name, report] : perNamespace) list["items"].push_back(std::move(report));
  list["items"].push_back(std::move(cluster));
  return findings::jsonDocument(list);
}

}  // namespace audit
