#include "tests/netpol/conformance_cases.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace netpol_test {
namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::vector<ExpectedConnection> parseConnections(const std::string& text) {
  std::vector<ExpectedConnection> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto w = words(line);
    if (w.empty()) continue;
    if (w.size() != 5 || (w[4] != "allowed" && w[4] != "denied")) throw std::runtime_error("bad expected.tsv line: " + line);
    out.push_back({w[0], w[1], w[2], std::stoi(w[3]), w[4] == "allowed"});
  }
  return out;
}

void addStep(const fs::path& dir, const std::string& name, const fs::path& model, std::vector<ConformanceStep>& out) {
  ConformanceStep step;
  step.name = name;
  step.files.push_back(model.string());
  if (fs::exists(dir / "setup.yaml")) step.files.push_back((dir / "setup.yaml").string());
  step.files.push_back((dir / "policies.yaml").string());
  if (fs::exists(dir / "expected.tsv"))
    step.connections = parseConnections(readFile((dir / "expected.tsv").string()));
  else
    step.probes = parseProbeBlocks(readFile((dir / "expected.txt").string()));
  out.push_back(std::move(step));
}

}  // namespace

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

CommandOutput runCommand(const std::string& command) {
  CommandOutput out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.text.append(buf, n);
  int status = pclose(pipe);
  out.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::vector<ProbeBlock> parseProbeBlocks(const std::string& text) {
  std::vector<ProbeBlock> blocks;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto w = words(line);
    if (w.empty() || w[0][0] == '#') continue;
    if (w[0] == "probe") {
      if (w.size() != 3) throw std::runtime_error("bad probe line: " + line);
      ProbeBlock b;
      b.protocol = w[1];
      b.port = std::stoi(w[2]);
      blocks.push_back(b);
    } else if (w[0] == "-") {
      if (blocks.empty()) throw std::runtime_error("header before probe line");
      blocks.back().pods.assign(w.begin() + 1, w.end());
    } else {
      if (blocks.empty() || blocks.back().pods.empty()) throw std::runtime_error("row before header: " + line);
      auto& b = blocks.back();
      if (w.size() != b.pods.size() + 1) throw std::runtime_error("row width mismatch: " + line);
      b.rowPods.push_back(w[0]);
      std::vector<char> row;
      for (size_t i = 1; i < w.size(); ++i) {
        if (w[i] != "." && w[i] != "X") throw std::runtime_error("bad cell in: " + line);
        row.push_back(w[i][0]);
      }
      b.cells.push_back(row);
    }
  }
  return blocks;
}

std::vector<ConformanceStep> conformanceSteps(const std::string& dirText) {
  fs::path dir(dirText);
  std::vector<ConformanceStep> out;
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory()) cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  fs::path model = fs::exists(dir / "model.yaml") ? dir / "model.yaml" : dir / "topology.yaml";
  for (const auto& c : cases) {
    if (fs::exists(c / "policies.yaml")) {
      addStep(c, c.filename().string(), model, out);
      continue;
    }
    std::vector<fs::path> steps;
    for (const auto& entry : fs::directory_iterator(c))
      if (entry.is_directory()) steps.push_back(entry.path());
    std::sort(steps.begin(), steps.end());
    for (const auto& s : steps) addStep(s, c.filename().string() + "/" + s.filename().string(), model, out);
  }
  return out;
}

}  // namespace netpol_test
