#pragma once
// The audit's outputs (docs/cli-contract.md, `kguard audit --format`): json for scripts, text for people,
// sarif for code-scanning UIs, html for a person to look at, policyreport for the cluster itself.
#include <string>

#include "audit/audit.h"

namespace audit {

std::string formatJson(const ClusterView& view, const AuditReport& report);
std::string formatText(const ClusterView& view, const AuditReport& report);
std::string formatSarif(const ClusterView& view, const AuditReport& report);
std::string formatHtml(const ClusterView& view, const AuditReport& report);
// wgpolicyk8s.io/v1alpha2: a PolicyReport per namespace and one ClusterPolicyReport, as a v1 List (YAML
// is JSON; `kubectl apply -f` reads it).
std::string formatPolicyReport(const ClusterView& view, const AuditReport& report);

// "host-isolation" for a finding, from its check's descriptor ("" when the catalog does not know it).
std::string riskOf(const findings::Finding& finding);

}  // namespace audit
