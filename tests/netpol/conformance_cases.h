#pragma once
// The upstream conformance cases in tests/conformance/netpol (NetworkPolicy) and tests/conformance/cnp
// (ClusterNetworkPolicy), see their READMEs: each case or step is model.yaml or topology.yaml
// [+ setup.yaml] + policies.yaml, and expected probe blocks (expected.txt) or connections (expected.tsv).
#include <string>
#include <vector>

namespace netpol_test {

struct ProbeBlock {
  std::string protocol;  // as written: "TCP", "UDP"
  int port = 0;
  std::vector<std::string> pods;            // column order
  std::vector<std::string> rowPods;         // row order
  std::vector<std::vector<char>> cells;     // cells[row][column], '.' or 'X'
};

// One asserted connection of expected.tsv: "from_ns/pod to_ns/pod tcp 80 allowed".
struct ExpectedConnection {
  std::string from, to, protocol;
  int port = 0;
  bool allowed = false;
};

struct ConformanceStep {
  std::string name;                  // "case" or "case/stepN"
  std::vector<std::string> files;    // model.yaml, setup.yaml (if any), policies.yaml
  std::vector<ProbeBlock> probes;                 // expected.txt
  std::vector<ExpectedConnection> connections;    // expected.tsv
};

// Parses matrix text (expected.txt or `kguard netpol matrix` output); `#` lines are comments.
// Throws std::runtime_error on malformed text.
std::vector<ProbeBlock> parseProbeBlocks(const std::string& text);

std::vector<ConformanceStep> conformanceSteps(const std::string& dir);

std::string readFile(const std::string& path);

// The stdout and exit code of a shell command (for the built `kguard`).
struct CommandOutput {
  int exitCode = -1;
  std::string text;
};
CommandOutput runCommand(const std::string& command);
inline std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace netpol_test
