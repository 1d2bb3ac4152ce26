// Manifest loading -> lint -> every report format (kguard lint -f FILE --format text|json|sarif).
// Bad input must end in kube::InputError; anything else escaping is a bug the fuzzer reports.
#include <cstdint>
#include <string>

#include "kube/manifest.h"
#include "lint/linter.h"
#include "lint/report_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto manifests = kube::parseManifests(text, "fuzz.yaml");
    lint::LintOptions options;
    auto report = lint::lintManifests(manifests, options);
    lint::formatText(manifests, report);
    lint::formatJson(manifests, report);
    lint::formatSarif(manifests, report);
    for (const auto& result : report.results) manifests[result.manifest].where.markOf(result.finding.field);
  } catch (const kube::InputError&) {
  }
  return 0;
}
