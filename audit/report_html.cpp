// One self-contained HTML page (no external scripts, styles or fonts): the risk summary, the namespace
// table with each namespace's Pod Security adoption path, the namespace-to-namespace reachability heatmap
// from the NetworkPolicy evaluator, the RBAC escalation paths as an inline SVG graph, and every finding.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "audit/report.h"
#include "findings/check_catalog.h"

namespace audit {
namespace {

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* kStyle = R"(
body{font-family:system-ui,sans-serif;margin:2em;color:#1b1f24;background:#fafbfc}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #d0d7de}
.cards{display:flex;flex-wrap:wrap;gap:.8em}.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.8em 1em;min-width:10em}
.card b{font-size:1.6em;display:block}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #d0d7de;padding:.3em .6em;text-align:left;vertical-align:top}
td small,td code{overflow-wrap:anywhere}
#namespace-table,#finding-table{width:100%}
#namespace-table{table-layout:fixed}#namespace-table th{width:7%}#namespace-table th:first-child{width:11%}
#namespace-table th:nth-child(6),#namespace-table th:nth-child(8){width:22%}
.sev{font-weight:bold;border-radius:4px;padding:0 .4em;color:#fff}
.critical{background:#a40e26}.high{background:#d1242f}.medium{background:#bf8700}.low{background:#0969da}.info{background:#6e7781}
.lvl-privileged{color:#a40e26}.lvl-baseline{color:#bf8700}.lvl-restricted{color:#1a7f37}
.heat td{width:2.2em;height:2.2em;text-align:center;font-size:.8em}.heat th.rot{writing-mode:vertical-rl}
small{color:#57606a}
)";

std::string severityBadge(findings::Severity s) {
  std::string name = findings::severityName(s);
  return "<span class=\"sev " + name + "\">" + name + "</span>";
}

void riskSummary(std::ostringstream& out, const AuditReport& report) {
  std::map<std::string, std::map<findings::Severity, size_t>> byRisk;
  std::map<findings::Severity, size_t> total;
  for (const auto& r : report.results) {
    ++byRisk[riskOf(r.finding)][findings::severityOf(r.finding)];
    ++total[findings::severityOf(r.finding)];
  }
  out << "<h2 id=\"summary\">Risk summary</h2><div class=\"cards\">";
  for (const auto& [severity, n] : total)
    out << "<div class=\"card\"><b>" << n << "</b>" << severityBadge(severity) << " findings</div>";
  out << "</div><table id=\"risks\"><tr><th>risk</th>";
  const findings::Severity all[] = {findings::Severity::Critical, findings::Severity::High, findings::Severity::Medium,
                                    findings::Severity::Low, findings::Severity::Info};
  for (auto s : all) out << "<th>" << severityBadge(s) << "</th>";
  out << "</tr>";
  for (const auto& [risk, counts] : byRisk) {
    out << "<tr><td>" << esc(risk.empty() ? "other" : risk) << "</td>";
    for (auto s : all) {
      auto it = counts.find(s);
      out << "<td>" << (it == counts.end() ? 0 : it->second) << "</td>";
    }
    out << "</tr>";
  }
  out << "</table>";
}

std::string level(const std::string& levelVersion) {
  std::string l = levelVersion.substr(0, levelVersion.find(':'));
  // A break after the ':' where a narrow column needs one (privileged:<wbr>latest).
  std::string shown = esc(levelVersion);
  if (size_t colon = shown.find(':'); colon != std::string::npos) shown.insert(colon + 1, "<wbr>");
  return "<span class=\"lvl-" + esc(l) + "\">" + shown + "</span>";
}

void namespaceTable(std::ostringstream& out, const AuditReport& report) {
  out << "<h2 id=\"namespaces\">Namespaces and their Pod Security adoption path</h2>"
         "<table id=\"namespace-table\"><tr><th>namespace</th><th>pods / workloads</th><th>enforce</th><th>audit</th>"
         "<th>warn</th><th>running against enforce</th><th>highest passing level</th><th>next level would refuse</th>"
         "<th>default deny</th><th>quota / limits</th></tr>";
  for (const auto& ns : report.namespaces) {
    const auto& a = ns.adoption;
    out << "<tr><td>" << esc(ns.name) << "</td><td>" << ns.pods << " / " << ns.workloads << "</td><td>" << level(a.enforce);
    for (const auto& e : a.labelErrors) out << "<br><small>invalid label: " << esc(e) << "</small>";
    out << "</td><td>" << level(a.audit) << "</td><td>" << level(a.warn) << "</td><td>";
    for (const auto& v : a.violatingEnforce) out << esc(v.kind + " " + v.name) << "<br><small>" << esc(v.reason) << "</small><br>";
    out << "</td><td class=\"highest\">" << level(a.highestPassingLevel + ":" + a.version) << "</td><td>";
    if (a.nextLevel) {
      out << "<b>" << esc(*a.nextLevel) << "</b>:<br>";
      for (const auto& v : a.refusedAtNextLevel) out << esc(v.kind + " " + v.name) << "<br><small>" << esc(v.reason) << "</small><br>";
    }
    out << "</td><td>" << (ns.defaultDenyIngress ? "ingress" : "-") << " / " << (ns.defaultDenyEgress ? "egress" : "-")
        << "</td><td>" << (ns.hasResourceQuota ? "quota" : "no quota") << " / " << (ns.hasLimitRange ? "limits" : "no limits")
        << "</td></tr>";
  }
  out << "</table>";
}

void heatmap(std::ostringstream& out, const Reachability& r) {
  out << "<h2 id=\"reachability\">Namespace-to-namespace reachability</h2>"
         "<p><small>Cell: share of the column namespace's pods that some pod of the row namespace may connect to "
         "(NetworkPolicy evaluator, any port).</small></p><table class=\"heat\" id=\"heatmap\"><tr><th>from \\ to</th>";
  for (const auto& ns : r.namespaces) out << "<th class=\"rot\">" << esc(ns) << "</th>";
  out << "</tr>";
  for (size_t from = 0; from < r.namespaces.size(); ++from) {
    out << "<tr><th>" << esc(r.namespaces[from]) << "</th>";
    for (size_t to = 0; to < r.namespaces.size(); ++to) {
      double share = r.pods[to] ? static_cast<double>(r.reachable[from][to]) / r.pods[to] : 0;
      int red = 255, other = static_cast<int>(255 - 200 * share);
      out << "<td class=\"cell\" data-from=\"" << esc(r.namespaces[from]) << "\" data-to=\"" << esc(r.namespaces[to])
          << "\" title=\"" << r.reachable[from][to] << " of " << r.pods[to] << " pods\" style=\"background:rgb(" << red
          << "," << other << "," << other << ")\">" << static_cast<int>(share * 100 + 0.5) << "%</td>";
    }
    out << "</tr>";
  }
  out << "</table>";
}

// Three columns: subjects, the roles that grant, the escalation paths they open.
void escalationGraph(std::ostringstream& out, const std::vector<rbac::EscalationFinding>& escalations) {
  out << "<h2 id=\"rbac\">RBAC escalation paths</h2>";
  if (escalations.empty()) {
    out << "<p>No subject can escalate.</p>";
    return;
  }
  std::vector<std::string> columns[3];
  std::map<std::string, size_t> index[3];
  std::map<std::string, rbac::Severity> pathSeverity;
  std::set<std::pair<std::string, std::string>> edges[2];
  auto node = [&](int column, const std::string& label) {
    if (index[column].emplace(label, columns[column].size()).second) columns[column].push_back(label);
  };
  for (const auto& e : escalations) {
    std::string subject = e.subject.describe() + (e.scope.empty() ? "" : " (in " + e.scope + ")");
    std::string path = e.title;
    node(0, subject);
    node(2, path);
    auto sev = pathSeverity.find(path);
    if (sev == pathSeverity.end() || e.severity < sev->second) pathSeverity[path] = e.severity;
    for (const auto& link : e.chain) {
      node(1, link.role);
      edges[0].insert({subject, link.role});
      edges[1].insert({link.role, path});
    }
  }
  const int rowHeight = 26, columnWidth = 330, width = 3 * columnWidth + 40;
  size_t rows = std::max({columns[0].size(), columns[1].size(), columns[2].size()});
  const int height = static_cast<int>(rows) * rowHeight + 40;
  auto x = [&](int column) { return 20 + column * columnWidth; };
  auto y = [&](size_t row) { return 30 + static_cast<int>(row) * rowHeight; };
  out << "<svg id=\"escalation-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height << "\" font-size=\"12\">";
  for (int e = 0; e < 2; ++e)
    for (const auto& [from, to] : edges[e])
      out << "<line class=\"edge\" x1=\"" << x(e) + 280 << "\" y1=\"" << y(index[e][from]) << "\" x2=\"" << x(e + 1)
          << "\" y2=\"" << y(index[e + 1][to]) << "\" stroke=\"#8c959f\"/>";
  const char* titles[3] = {"subject", "granted by", "can escalate by"};
  for (int c = 0; c < 3; ++c) {
    out << "<text x=\"" << x(c) << "\" y=\"14\" font-weight=\"bold\">" << titles[c] << "</text>";
    for (size_t i = 0; i < columns[c].size(); ++i) {
      std::string fill = "#ddf4ff";
      if (c == 2) fill = pathSeverity[columns[c][i]] == rbac::Severity::Critical ? "#ffd8d3" : "#fff8c5";
      out << "<g class=\"node\"><rect x=\"" << x(c) << "\" y=\"" << y(i) - 10 << "\" width=\"280\" height=\"20\" rx=\"4\" fill=\""
          << fill << "\" stroke=\"#57606a\"/><text x=\"" << x(c) + 6 << "\" y=\"" << y(i) + 4 << "\">"
          << esc(columns[c][i].size() > 44 ? columns[c][i].substr(0, 43) + "…" : columns[c][i]) << "<title>"
          << esc(columns[c][i]) << "</title></text></g>";
    }
  }
  out << "</svg>";
}

void findingTable(std::ostringstream& out, const AuditReport& report) {
  out << "<h2 id=\"findings\">Findings</h2><table id=\"finding-table\"><tr><th>severity</th><th>risk</th><th>object</th>"
         "<th>finding</th><th>check</th></tr>";
  for (const auto& r : report.results) {
    const auto& f = r.finding;
    const auto& o = f.object;
    out << "<tr><td>" << severityBadge(findings::severityOf(f)) << "</td><td>" << esc(riskOf(f)) << "</td><td>"
        << esc(o.kind + " " + (o.namespace_.empty() ? "" : o.namespace_ + "/") + o.name +
               (o.container.empty() ? "" : " [" + o.container + "]"))
        << "</td><td>" << esc(f.message) << "<br><small>" << esc(f.severityReason) << "</small></td><td>" << esc(f.check)
        << "</td></tr>";
  }
  out << "</table>";
}

}  // namespace

std::string formatHtml(const ClusterView&, const AuditReport& report) {
  std::ostringstream out;
  out << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>kguard audit</title><style>" << kStyle
      << "</style></head><body><h1>kguard audit</h1><p>" << report.results.size() << " findings in "
      << report.namespaces.size() << " namespaces.</p>";
  for (const auto& note : report.notes) out << "<p><small>skipped: " << esc(note) << "</small></p>";
  riskSummary(out, report);
  namespaceTable(out, report);
  heatmap(out, report.reachability);
  escalationGraph(out, report.escalations);
  findingTable(out, report);
  out << "</body></html>\n";
  return out.str();
}

}  // namespace audit
