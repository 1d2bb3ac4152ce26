#pragma once
// The three ways lint reports (docs/cli-contract.md): text for people, JSON for scripts, SARIF 2.1.0
// for code-scanning UIs.
#include <string>
#include <vector>

#include "kube/manifest.h"
#include "lint/linter.h"

namespace lint {

std::string formatText(const std::vector<kube::Manifest>& manifests, const LintReport& report);
std::string formatJson(const std::vector<kube::Manifest>& manifests, const LintReport& report);
std::string formatSarif(const std::vector<kube::Manifest>& manifests, const LintReport& report);

// Where a finding points: its field's line when known, else the object's; column 0 when unknown.
struct FindingPosition {
  int line = 0;
  int column = 0;  // 1-based
};
FindingPosition findingPosition(const kube::Manifest& manifest, const Finding& finding);
int findingLine(const kube::Manifest& manifest, const Finding& finding);

}  // namespace lint
