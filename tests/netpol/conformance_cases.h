#pragma once
// The upstream NetworkPolicy conformance cases in tests/conformance/netpol (see its README): each
// case or step is model.yaml [+ setup.yaml] + policies.yaml and expected probe blocks.
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

struct ConformanceStep {
  std::string name;                  // "case" or "case/stepN"
  std::vector<std::string> files;    // model.yaml, setup.yaml (if any), policies.yaml
  std::vector<ProbeBlock> probes;
};

// Parses matrix text (expected.txt or `kguard netpol matrix` output); `#` lines are comments.
// Throws std::runtime_error on malformed text.
std::vector<ProbeBlock> parseProbeBlocks(const std::string& text);

std::vector<ConformanceStep> conformanceSteps(const std::string& dir);

std::string readFile(const std::string& path);

}  // namespace netpol_test
