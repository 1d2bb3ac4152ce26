#include <nlohmann/json.hpp>

#include "lint/report_format.h"

namespace lint {

// One JSON array, one element per finding, with the fields the contract promises plus line/field/severity.
std::string formatJson(const std::vector<kube::Manifest>& manifests, const LintReport& report) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : report.results) {
    const auto& m = manifests[r.manifest];
    const auto& f = r.finding;
    out.push_back({{"file", m.where.file},
                   {"document", m.where.document},
                   {"line", findingLine(m, f)},
                   {"apiVersion", m.apiVersion()},
                   {"kind", m.kind()},
                   {"namespace", m.namespace_()},
                   {"name", m.name()},
                   {"check", f.check},
                   {"level", f.level},
                   {"severity", f.severity == Severity::Error ? "error" : "warning"},
                   {"field", f.field},
                   {"message", f.message}});
  }
  return out.dump(2) + "\n";
}

}  // namespace lint
