#pragma once
// The one SARIF 2.1.0 writer (https://docs.oasis-open.org/sarif/sarif/v2.1.0/): `kguard lint`, `kguard rbac
// audit` (and `kguard audit`) describe their results here, it writes the log. One rule per check id, in order
// of first use, described from the check catalog (check_catalog.h).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace findings {

struct SarifLocation {
  std::string uri;      // the file, as given on the command line (written through artifactUri)
  int line = 0;         // 0: unknown (written as 1 when `alwaysRegion`, else no region)
  int column = 0;       // 0: unknown
  std::string message;  // optional text of the location
};

struct SarifResult {
  std::string ruleId;  // the check id
  const char* level;   // "error", "warning" or "note"
  std::string message;
  std::vector<SarifLocation> locations;
  nlohmann::json properties;  // null: none
};

struct SarifRun {
  // How rules are described: Full (title, what it protects against, the fix, help link; lint) or Brief
  // (title and the level of the first result; rbac audit). Either way helpUri is the rule's docs/rules.md anchor.
  enum class Rules { Full, Brief } rules = Rules::Full;
  bool alwaysRegion = false;  // a region (startLine >= 1) on every location, as lint's results have
  // The driver's version and semanticVersion, and properties.gitCommit; unset: not written.
  struct Build {
    std::string version, gitCommit;
  };
  std::optional<Build> build;
  std::string informationUri;  // the driver's, optional
  std::optional<nlohmann::json> invocation;  // the run's only invocation, if reported
  std::vector<SarifResult> results;
};

// The log, indented by 2, with a final newline; invalid UTF-8 in file names is replaced, never thrown on.
std::string formatSarif(const SarifRun& run);

// A file name as SARIF's artifactLocation.uri: percent-encoded, absolute paths as file:// URIs, URLs unchanged.
std::string artifactUri(const std::string& file);

// The docs/rules.md anchor of check `id`: the rule's helpUri.
std::string rulesDocUri(const std::string& id);

}  // namespace findings
