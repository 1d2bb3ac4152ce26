// Severity joins: a finding's severity starts at its check's default (findings/check_catalog.h) and
// moves with what the other evaluators know about the same pod. Every finding says why it has its
// severity.
#include "audit/checks.h"
#include "findings/check_catalog.h"

namespace audit {
namespace {

findings::Severity raised(findings::Severity s) {
  return s == findings::Severity::Critical ? s : static_cast<findings::Severity>(static_cast<int>(s) - 1);
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void applySeverityJoins(AuditReport& report, const ClusterView& view,
                        const std::map<size_t, std::vector<std::string>>& reachableFrom) {
  std::map<size_t, size_t> workloadOfManifest;
  for (size_t i = 0; i < view.workloads.size(); ++i) workloadOfManifest[view.workloads[i].manifest] = i;
  for (auto& r : report.results) {
    auto& f = r.finding;
    const findings::Severity base = findings::severityOf(f);
    if (f.severityReason.empty()) f.severityReason = std::string(findings::severityName(base)) + ": the default of " + f.check;
    const auto* descriptor = findings::findCheck(f.check);
    if (!descriptor || descriptor->risk != findings::Risk::HostIsolation) continue;
    auto w = workloadOfManifest.find(r.manifest);
    if (w == workloadOfManifest.end()) continue;
    auto from = reachableFrom.find(w->second);
    if (from == reachableFrom.end()) continue;  // not in the network model (a workload whose pods were listed)
    if (from->second.empty()) {
      // Critical is kept for what others can reach: an isolated pod ranks below a reachable one.
      if (base == findings::Severity::Critical) {
        f.severity = findings::Severity::High;
        f.severityReason = "high: critical for " + f.check + ", lowered because no pod of another namespace may connect to it (NetworkPolicy)";
      } else {
        f.severityReason += "; not raised: no pod of another namespace may connect to it (NetworkPolicy)";
      }
    } else {
      f.severity = raised(base);
      f.severityReason = std::string(findings::severityName(*f.severity)) + ": " + findings::severityName(base) +
                         " for " + f.check + ", raised because pods of other namespaces may connect to it (" +
                         joinNames(from->second) + ")";
    }
  }
}

}  // namespace audit
