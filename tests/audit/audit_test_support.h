#pragma once
// Audits YAML text as `kguard audit -f` would, and finds findings in the report.
#include <algorithm>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "audit/report.h"
#include "findings/check_catalog.h"

namespace audit_test {

struct Audited {
  audit::ClusterView view;
  audit::AuditReport report;
};

inline Audited auditYaml(const std::string& yaml, const std::vector<std::string>& namespaces = {},
                         const audit::AuditOptions& options = {}) {
  Audited a{audit::buildClusterView(kube::parseManifests(yaml, "cluster.yaml"), namespaces), {}};
  a.report = audit::runAudit(a.view, options);
  return a;
}

// Every finding of `check` about KIND NS/NAME.
inline std::vector<findings::Finding> findingsOf(const audit::AuditReport& report, const std::string& check,
                                                 const std::string& kind, const std::string& ns, const std::string& name) {
  std::vector<findings::Finding> out;
  for (const auto& r : report.results)
    if (r.finding.check == check && r.finding.object.kind == kind && r.finding.object.namespace_ == ns &&
        r.finding.object.name == name)
      out.push_back(r.finding);
  return out;
}

inline size_t countCheck(const audit::AuditReport& report, const std::string& check) {
  return std::count_if(report.results.begin(), report.results.end(),
                       [&](const audit::Result& r) { return r.finding.check == check; });
}

inline const audit::NamespaceReport* namespaceOf(const audit::AuditReport& report, const std::string& name) {
  for (const auto& ns : report.namespaces)
    if (ns.name == name) return &ns;
  return nullptr;
}

inline std::string pod(const std::string& ns, const std::string& name, const std::string& specExtra,
                       const std::string& labels = "{app: web}", const std::string& containerExtra = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: " + ns + ", labels: " + labels +
         "}\nspec:\n" + specExtra + "  containers:\n  - name: c\n    image: registry.example/app@sha256:" +
         std::string(64, 'a') + "\n" + containerExtra + "---\n";
}

inline std::string namespace_(const std::string& name, const std::string& labels = "{}") {
  return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + ", labels: " + labels + "}\n---\n";
}

}  // namespace audit_test
