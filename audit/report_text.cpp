// The text report: findings grouped by risk (the risk with the most severe finding first), each group
// with its counts, then the Pod Security adoption path of every namespace.
#include <map>
#include <sstream>

#include "audit/report.h"
#include "findings/check_catalog.h"

namespace audit {
namespace {

std::string objectName(const findings::ObjectRef& o) {
  std::string s = o.kind + " " + (o.namespace_.empty() ? "" : o.namespace_ + "/") + o.name;
  if (!o.container.empty()) s += " [" + o.container + "]";
  return s;
}

std::string counts(const std::vector<const Result*>& results) {
  std::map<findings::Severity, size_t> n;
  for (const auto* r : results) ++n[findings::severityOf(r->finding)];
  std::string out;
  for (const auto& [severity, count] : n)
    out += (out.empty() ? "" : ", ") + std::to_string(count) + " " + findings::severityName(severity);
  return out;
}

}  // namespace

std::string formatText(const ClusterView&, const AuditReport& report) {
  std::ostringstream out;
  // report.results is sorted most severe first, so a risk's first appearance orders the groups.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Result*>> byRisk;
  std::vector<const Result*> all;
  for (const auto& r : report.results) {
    std::string risk = riskOf(r.finding);
    if (!byRisk.count(risk)) order.push_back(risk);
    byRisk[risk].push_back(&r);
    all.push_back(&r);
  }
  out << "kguard audit: " << report.results.size() << (report.results.size() == 1 ? " finding" : " findings");
  if (!all.empty()) out << " (" << counts(all) << ")";
  out << " in " << report.namespaces.size() << (report.namespaces.size() == 1 ? " namespace" : " namespaces") << "\n";
  for (const auto& risk : order) {
    const auto& results = byRisk[risk];
    out << "\n" << (risk.empty() ? "other" : risk) << ": " << results.size() << " (" << counts(results) << ")\n";
    for (const auto* r : results) {
      const auto& f = r->finding;
      out << "  [" << findings::severityName(findings::severityOf(f)) << "] " << objectName(f.object) << ": "
          << f.message << "  [" << f.check << "]\n";
      if (!f.severityReason.empty()) out << "      severity " << f.severityReason << "\n";
    }
  }
  out << "\nPod Security adoption path\n";
  for (const auto& ns : report.namespaces) {
    const auto& a = ns.adoption;
    out << "  " << ns.name << ": enforce " << a.enforce << ", audit " << a.audit << ", warn " << a.warn
        << "; highest passing level " << a.highestPassingLevel << " (" << a.version << ")\n";
    for (const auto& v : a.violatingEnforce)
      out << "      runs against its enforce level: " << v.kind << " " << v.name << ": " << v.reason << "\n";
    if (a.nextLevel)
      for (const auto& v : a.refusedAtNextLevel)
        out << "      " << *a.nextLevel << " would refuse " << v.kind << " " << v.name << ": " << v.reason << "\n";
  }
  for (const auto& note : report.notes) out << "note: skipped " << note << "\n";
  return out.str();
}

}  // namespace audit
