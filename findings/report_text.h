#pragma once
// The one text writer of kguard's reports: `kguard lint`, `kguard rbac audit` (and `kguard audit`) describe
// each finding as a TextEntry, it writes them. What a report says around its findings (lint's summary, the
// audits' counts and groups) stays with its command; the count phrases they share are here.
#include <string>
#include <vector>

#include "findings/finding.h"

namespace findings {

// One finding as a person reads it. Which fields are shown depends on the report's style.
struct TextEntry {
  std::string location;          // Lines: "file:line"
  bool warning = false;          // Lines: "warning: " before the object (a finding of a warn-mode check)
  Severity severity = Severity::Info;  // Blocks: "[high] " first
  std::string object;            // "Deployment prod/web", "User alice (cluster-wide)"
  std::string check;             // the check id
  std::string level;             // Lines: what it was judged against, "[restricted:latest]" after the check
  std::string message;
  std::vector<std::string> details;  // Blocks: lines under the finding (the path, the chain, ...)
};

struct TextReport {
  // Lines (lint): `location: [warning: ]object: check [level]: message`, one line per finding, as compilers
  // write them (editors and grep jump to the file and line).
  // Blocks (rbac audit, kguard audit): `[severity] object: message  [check]`, then the details, for findings
  // that need more than a line to explain.
  enum class Style { Lines, Blocks } style = Style::Lines;
  std::string indent;                 // before each finding's first line
  std::string detailIndent = "    ";  // before each detail line
  std::vector<TextEntry> entries;
};

// Every entry, one after the other; "" when there is none.
std::string formatText(const TextReport& report);

// "2 critical, 1 high": the number of findings of each severity, most severe first. With `withZeros`, every
// severity from critical to low is named, 0 included (the rbac audit's fixed summary); otherwise only those
// that occur.
std::string severityCounts(const std::vector<Severity>& severities, bool withZeros);

// "1 violation" / "2 violations".
std::string countOf(size_t n, const char* one, const char* many);

}  // namespace findings
