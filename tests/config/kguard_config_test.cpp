#include <catch2/catch.hpp>

#include "config/kguard_config.h"
#include "kube/manifest.h"

using config::parseConfig;

namespace {

std::string errorOf(const std::string& text) {
  try {
    parseConfig(text, "kguard.yaml");
  } catch (const kube::InputError& e) {
    return e.what();
  }
  return "";
}

const char* kHeader = "apiVersion: kguard.io/v1alpha1\nkind: KguardConfiguration\n";

}  // namespace

TEST_CASE("defaults without sections match upstream and the lint contract") {
  auto c = parseConfig(kHeader, "kguard.yaml");
  CHECK(c.podSecurityDefaults.enforce == "privileged");
  CHECK(c.lintLevel == "restricted");
  CHECK(c.lintVersion == "latest");
  CHECK(c.rulesMode == config::Mode::Enforce);
  CHECK(c.rbacMode == config::Mode::Warn);
  CHECK(c.rbacGuardrails.enabled("rbac.wildcardGrant"));
}

TEST_CASE("every section is read") {
  auto c = parseConfig(std::string(kHeader) + R"(
podSecurity:
  defaults: {enforce: baseline, warn: restricted, warn-version: v1.30}
  exemptions: {namespaces: [kube-system], usernames: [admin], runtimeClasses: [kata]}
  enforceOnWorkloads: true
lint: {level: baseline, version: v1.29}
rules:
  mode: warn
  allowedRegistries: [registry.example.com]
  requireImageDigest: true
  requiredLimits: [cpu, memory]
  sandboxedRuntime: {namespaceLabels: {kguard.io/isolation: sandboxed}, runtimeClasses: [kata]}
  allowedStorageClasses: [encrypted]
rbac: {mode: enforce, guardrails: {rules: {rbac.wildcardGrant: false}}}
)", "kguard.yaml");
  CHECK(c.podSecurityDefaults.enforce == "baseline");
  CHECK(c.podSecurityDefaults.warnVersion == "v1.30");
  CHECK(c.exemptions.namespaces == std::vector<std::string>{"kube-system"});
  CHECK(c.enforceOnWorkloads);
  CHECK(c.lintVersion == "v1.29");
  CHECK(c.rulesMode == config::Mode::Warn);
  CHECK(c.rules.requiredLimits.size() == 2);
  CHECK(c.rules.sandboxedRuntime->runtimeClasses == std::vector<std::string>{"kata"});
  CHECK(c.rbacMode == config::Mode::Enforce);
  CHECK_FALSE(c.rbacGuardrails.enabled("rbac.wildcardGrant"));
}

TEST_CASE("mistakes in a config are errors naming the field") {
  CHECK(errorOf(std::string(kHeader) + "rules: {requireImageDigets: true}\n") ==
        "kguard.yaml: document 1: line 3: rules.requireImageDigets: unknown field");
  CHECK(errorOf(std::string(kHeader) + "rules:\n  mode: maybe\n") ==
        "kguard.yaml: document 1: line 4: rules.mode: expected \"enforce\" or \"warn\", got \"maybe\"");
  CHECK(errorOf(std::string(kHeader) + "rules: {requireImageDigest: [1]}\n").find("expected a boolean") != std::string::npos);
  CHECK(errorOf("apiVersion: v1\nkind: ConfigMap\n").find("expected KguardConfiguration") != std::string::npos);
  CHECK(errorOf(std::string(kHeader) + "rbac: {guardrails: {rules: {rbac.noSuchRule: true}}}\n").find("rbac.guardrails.rules.rbac.noSuchRule") != std::string::npos);
}
