#include <set>
#include <sstream>

#include "lint/report_format.h"

namespace lint {

int findingLine(const kube::Manifest& manifest, const Finding& finding) {
  if (finding.field.empty()) return manifest.where.line;
  int line = manifest.where.lineOf(finding.field);
  return line > 0 ? line : manifest.where.line;
}

namespace {

std::string objectName(const kube::Manifest& m) {
  std::string out = m.kind() + " ";
  if (!m.namespace_().empty()) out += m.namespace_() + "/";
  return out + (m.name().empty() ? "<unnamed>" : m.name());
}

}  // namespace

// One line per finding, `file:line: kind ns/name: check [level]: message`, then a summary line.
std::string formatText(const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  std::ostringstream out;
  size_t errors = 0, warnings = 0;
  std::set<size_t> objects;
  for (const auto& r : report.results) {
    const auto& m = manifests[r.manifest];
    const auto& f = r.finding;
    bool warning = f.severity == Severity::Warning;
    (warning ? warnings : errors)++;
    objects.insert(r.manifest);
    out << m.where.file << ":" << findingLine(m, f) << ": " << (warning ? "warning: " : "") << objectName(m) << ": "
        << f.check << " [" << f.level << "]: " << f.message << "\n";
  }
  if (errors == 0 && warnings == 0) {
    out << "no violations in " << manifests.size() << " objects\n";
  } else {
    out << errors << (errors == 1 ? " violation" : " violations");
    if (warnings) out << ", " << warnings << (warnings == 1 ? " warning" : " warnings");
    out << " in " << objects.size() << " of " << manifests.size() << " objects\n";
  }
  return out.str();
}

}  // namespace lint
