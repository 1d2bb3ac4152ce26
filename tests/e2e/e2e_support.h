// Helpers shared by the C++ end-to-end tests that tests/e2e/api_client_e2e_test.sh runs against a real
// kube-apiserver: the cluster's settings come from the environment, objects go in through kubectl.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

namespace e2e {

// A setting the wrapper script exports (KUBECONFIG, APISERVER_URL, ...); the test fails without it.
inline std::string env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) FAIL(std::string(name) + " is not set: run this test through tests/e2e/api_client_e2e_test.sh");
  return value;
}

// Runs kubectl against the test cluster (KUBECONFIG is exported by the wrapper); stderr is kept for CI logs.
inline void kubectl(const std::string& args, const std::string& stdinText = "") {
  std::string command = "kubectl " + args + " >/dev/null";
  if (!stdinText.empty()) command = "printf '%s' '" + stdinText + "' | " + command;
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
}

}  // namespace e2e
