// Upstream's CRD validation examples (tests/conformance/cnp-crdtest, from kubernetes-sigs/network-policy-api
// pkg/crdtest/testdata): kguard accepts every valid one and rejects every invalid one with exit 2, naming the
// file and the field the file's "# kguard rejects it:" line gives, as the CRD's schema and CEL rules do.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/netpol/conformance_cases.h"

using namespace netpol_test;

namespace {

std::vector<std::string> yamlFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The field named by the file's "# kguard rejects it: FIELD" line, "" without one.
std::string rejectedField(const std::string& text) {
  const std::string marker = "# kguard rejects it: ";
  auto at = text.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  return text.substr(at, text.find('\n', at) - at);
}

}  // namespace

TEST_CASE("upstream's valid ClusterNetworkPolicy CRD examples are accepted", "[cnp]") {
  auto files = yamlFiles(std::string(KGUARD_CNP_CRDTEST_DIR) + "/valid");
  REQUIRE(files.size() >= 4);
  for (const auto& file : files) {
    INFO(file);
    auto matrix = runCommand(quoted(KGUARD_BINARY) + " netpol matrix -f " + quoted(file) + " 2>&1");
    CHECK(matrix.exitCode == 0);
    CHECK(matrix.text.find("kguard netpol") == std::string::npos);  // no error or warning
    auto lint = runCommand(quoted(KGUARD_BINARY) + " lint -f " + quoted(file) + " 2>&1");
    CHECK_THAT(lint.text, !Catch::Contains("cnp.invalid"));
  }
}

TEST_CASE("upstream's invalid ClusterNetworkPolicy CRD examples are refused naming the file and field", "[cnp]") {
  auto files = yamlFiles(std::string(KGUARD_CNP_CRDTEST_DIR) + "/invalid");
  REQUIRE(files.size() >= 5);
  for (const auto& file : files) {
    INFO(file);
    auto field = rejectedField(readFile(file));
    REQUIRE(!field.empty());
    auto matrix = runCommand(quoted(KGUARD_BINARY) + " netpol matrix -f " + quoted(file) + " 2>&1");
    CHECK(matrix.exitCode == 2);
    CHECK_THAT(matrix.text, Catch::Contains(file) && Catch::Contains(" " + field + ": "));
    auto lint = runCommand(quoted(KGUARD_BINARY) + " lint -f " + quoted(file) + " 2>&1");
    CHECK(lint.exitCode == 1);
    CHECK_THAT(lint.text, Catch::Contains("cnp.invalid"));
  }
}
