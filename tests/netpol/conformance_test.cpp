// Every probe block of every upstream conformance case (tests/conformance/netpol) must come out of the
// built `kguard netpol matrix` exactly, cell by cell, except the diagonal (upstream ignores loopback).
#include <catch2/catch.hpp>

#include <string>

#include "tests/netpol/conformance_cases.h"

using namespace netpol_test;


TEST_CASE("kguard netpol matrix reproduces every upstream truth table") {
  auto steps = conformanceSteps(KGUARD_NETPOL_CONFORMANCE_DIR);
  REQUIRE(steps.size() >= 27);
  size_t probes = 0, cells = 0;
  for (const auto& step : steps) {
    for (const auto& expected : step.probes) {
      std::string command = quoted(KGUARD_BINARY) + " netpol matrix";
      for (const auto& f : step.files) command += " -f " + quoted(f);
      command += " --protocol " + expected.protocol + " --port " + std::to_string(expected.port);
      INFO(step.name << ": probe " << expected.protocol << " " << expected.port);
      auto out = runCommand(command);
      REQUIRE(out.exitCode == 0);
      auto actual = parseProbeBlocks(out.text);
      REQUIRE(actual.size() == 1);
      CHECK(actual[0].pods == expected.pods);
      REQUIRE(actual[0].rowPods == expected.rowPods);
      for (size_t r = 0; r < expected.cells.size(); ++r)
        for (size_t c = 0; c < expected.cells[r].size(); ++c) {
          if (r == c) continue;
          INFO(expected.rowPods[r] << " -> " << expected.pods[c]);
          CHECK(actual[0].cells[r][c] == expected.cells[r][c]);
          ++cells;
        }
      ++probes;
    }
  }
  CHECK(probes >= 30);
  WARN("checked " << probes << " probe blocks, " << cells << " cells");
}

TEST_CASE("bad input exits 2 naming the file") {
  auto out = runCommand(quoted(KGUARD_BINARY) + " netpol matrix -f /nonexistent/netpol.yaml 2>&1");
  CHECK(out.exitCode == 2);
  CHECK(out.text.find("/nonexistent/netpol.yaml") != std::string::npos);
  auto bad = runCommand("printf 'apiVersion: networking.k8s.io/v1\\nkind: NetworkPolicy\\nmetadata: {name: p}\\nspec:\\n"
                 "  ingress: [{from: [{ipBlock: {cidr: nonsense}}]}]\\n' | " +
                 quoted(KGUARD_BINARY) + " netpol matrix -f - 2>&1");
  CHECK(bad.exitCode == 2);
  CHECK(bad.text.find("<stdin>") != std::string::npos);
  CHECK(bad.text.find("spec.ingress[0].from[0].ipBlock.cidr") != std::string::npos);
  auto usage = runCommand(quoted(KGUARD_BINARY) + " netpol explain -f " + quoted(std::string(KGUARD_NETPOL_CONFORMANCE_DIR) + "/model.yaml") +
                   " --from x/a --to q/zz --port 80 2>&1");
  CHECK(usage.exitCode == 2);
  CHECK(usage.text.find("q/zz") != std::string::npos);
}

TEST_CASE("explain exits 0 when allowed and 1 when denied") {
  std::string dir = KGUARD_NETPOL_CONFORMANCE_DIR;
  std::string base = quoted(KGUARD_BINARY) + " netpol explain -f " + quoted(dir + "/model.yaml") + " -f " +
                     quoted(dir + "/should-enforce-policy-to-allow-ingress-traffic-for-a-target/policies.yaml");
  auto denied = runCommand(base + " --from y/a --to x/b --port 80");
  CHECK(denied.exitCode == 1);
  CHECK(denied.text.find("denied") != std::string::npos);
  CHECK(denied.text.find("x/deny-all") != std::string::npos);
  auto allowed = runCommand(base + " --from y/a --to x/a --port 80");
  CHECK(allowed.exitCode == 0);
  CHECK(allowed.text.find("x/allow-all-to-a ingress[0]") != std::string::npos);
}
