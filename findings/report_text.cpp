#include "findings/report_text.h"

#include <map>
#include <sstream>

namespace findings {

std::string formatText(const TextReport& report) {
  std::ostringstream out;
  for (const auto& e : report.entries) {
    out << report.indent;
    if (report.style == TextReport::Style::Lines) {
      out << e.location << ": " << (e.warning ? "warning: " : "") << e.object << ": " << e.check << " [" << e.level
          << "]: " << e.message << "\n";
    } else {
      out << "[" << severityName(e.severity) << "] " << e.object << ": " << e.message << "  [" << e.check << "]\n";
    }
    for (const auto& line : e.details) out << report.detailIndent << line << "\n";
  }
  return out.str();
}

std::string severityCounts(const std::vector<Severity>& severities, bool withZeros) {
  std::map<Severity, size_t> n;
  if (withZeros)
    for (Severity s : {Severity::Critical, Severity::High, Severity::Medium, Severity::Low}) n[s] = 0;
  for (Severity s : severities) ++n[s];
  std::string out;
  for (const auto& [severity, count] : n) out += (out.empty() ? "" : ", ") + std::to_string(count) + " " + severityName(severity);
  return out;
}

std::string countOf(size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

}  // namespace findings
