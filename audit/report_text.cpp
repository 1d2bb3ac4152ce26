// The text report: findings grouped by risk (the risk with the most severe finding first), each group
// with its counts, then the Pod Security adoption path of every namespace.
#include <map>
#include <sstream>

#include "audit/report.h"
#include "findings/check_catalog.h"
#include "findings/report_text.h"

namespace audit {
namespace {

std::string objectName(const findings::ObjectRef& o) {
  std::string s = o.kind + " " + (o.namespace_.empty() ? "" : o.namespace_ + "/") + o.name;
  if (!o.container.empty()) s += " [" + o.container + "]";
  return s;
}

std::string counts(const std::vector<const Result*>& results) {
  std::vector<findings::Severity> severities;
  for (const auto* r : results) severities.push_back(findings::severityOf(r->finding));
  return findings::severityCounts(severities, false);
}

// "FILE:LINE FIELD", the offending field's line as lint prints it; "" when the object's text is unknown.
std::string locationOf(const ClusterView& view, const Result& r) {
  if (r.manifest == Result::npos) return "";
  const auto& where = view.manifests[r.manifest].where;
  int line = where.pointAt(r.finding.field).line;
  if (line <= 0) return "";
  return where.file + ":" + std::to_string(line) + (r.finding.field.empty() ? "" : " " + r.finding.field);
}

}  // namespace

std::string formatText(const ClusterView& view, const AuditReport& report) {
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
  out << "kguard audit: " << findings::countOf(report.results.size(), "finding", "findings");
  if (!all.empty()) out << " (" << counts(all) << ")";
  out << " in " << findings::countOf(report.namespaces.size(), "namespace", "namespaces") << "\n";
  for (const auto& risk : order) {
    const auto& results = byRisk[risk];
    out << "\n" << (risk.empty() ? "other" : risk) << ": " << results.size() << " (" << counts(results) << ")\n";
    findings::TextReport text;
    text.style = findings::TextReport::Style::Blocks;
    text.indent = "  ";
    text.detailIndent = "      ";
    for (const auto* r : results) {
      const auto& f = r->finding;
      findings::TextEntry e;
      e.severity = findings::severityOf(f);
      e.object = objectName(f.object);
      e.message = f.message;
      e.check = f.check;
      if (!f.severityReason.empty()) e.details.push_back("severity " + f.severityReason);
      if (std::string at = locationOf(view, *r); !at.empty()) e.details.push_back("at " + at);
      text.entries.push_back(std::move(e));
    }
    out << findings::formatText(text);
  }
  out << "\nPod Security adoption path\n";
  for (const auto& ns : report.namespaces) {
    const auto& a = ns.adoption;
    out << "  " << ns.name << ": enforce " << a.enforce << ", audit " << a.audit << ", warn " << a.warn
        << "; highest passing level " << a.highestPassingLevel << " (" << a.version << ")\n";
    for (const auto& e : a.labelErrors) out << "      invalid label, admission evaluates the policy above: " << e << "\n";
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
