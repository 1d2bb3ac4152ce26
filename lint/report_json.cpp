#include <nlohmann/json.hpp>

#include "findings/report_json.h"
#include "lint/report_format.h"

namespace lint {

// One JSON array, one element per finding, with the fields the contract promises plus line/column/field/
// severity (and assumedNamespace when -n supplied the namespace of an object that names none).
std::string formatJson(const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : report.results) {
    const auto& m = manifests[r.manifest];
    const auto& f = r.finding;
    FindingPosition at = findingPosition(m, f);
    nlohmann::json element = {{"file", m.where.file},
                   {"document", m.where.document},
                   {"line", at.line},
                   {"column", at.column},
                   {"apiVersion", m.apiVersion()},
                   {"kind", m.kind()},
                   {"namespace", m.namespace_()},
                   {"name", m.name()},
                   {"check", f.check},
                   {"level", f.level},
                   {"severity", f.enforcement == Enforcement::Error ? "error" : "warning"},
                   {"field", f.field},
                   {"message", f.message}};
    if (!r.assumedNamespace.empty()) element["assumedNamespace"] = r.assumedNamespace;
    out.push_back(std::move(element));
  }
  return findings::jsonDocument(out);
}

}  // namespace lint
