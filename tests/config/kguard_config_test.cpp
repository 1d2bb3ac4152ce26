#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include <stdlib.h>

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

namespace {

const char* kP256 =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6ujAeQ1rDWRxyu9JEB4MEKaklCHA\n"
    "Db2KDN3E5jSwMEljvziY/q6TPPsZxNO6j6OkvUq4onUZs135sF3j6JixsA==\n"
    "-----END PUBLIC KEY-----\n";

// A file under a fresh temporary directory; removed with the directory at exit of the test case.
struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/kguard-config-test.XXXXXX";
    path = mkdtemp(name);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string write(const std::string& file, const std::string& text) const {
    std::ofstream(path + "/" + file) << text;
    return path + "/" + file;
  }
};

std::string indented(const std::string& pem, const std::string& indent) {
  std::string out;
  size_t start = 0;
  while (start < pem.size()) {
    size_t end = pem.find('\n', start);
    out += indent + pem.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("imageSignatures and registries: keys from files (relative to the config) and inline PEM") {
  TempDir dir;
  dir.write("team.pub", kP256);
  dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  dir.write("pull.json", R"({"auths": {"registry.example.com": {"auth": "cHVsbGVyOnNlY3JldA=="}}})");
  std::string path = dir.write("kguard.yaml", std::string(kHeader) +
                                                  "rules:\n  imageSignatures:\n"
                                                  "  - images: [\"registry.example.com/team/**\", \"Registry.Example.COM/ops/*\"]\n"
                                                  "    publicKeys:\n    - team.pub\n    - |\n" +
                                                  indented(kP256, "      ") +
                                                  "  imageVerificationBudgetMs: 1500\n"
                                                  "registries:\n- host: registry.example.com\n  caFile: ca.pem\n"
                                                  "  credentialsFile: pull.json\n- {host: \"127.0.0.1:5000\", insecure: true}\n");
  auto c = config::loadConfig(path);
  REQUIRE(c.rules.imageSignatures.size() == 1);
  CHECK(c.rules.imageSignatures[0].keys.id == "rules.imageSignatures[0]");
  // Host names compare case-insensitively: the registry part of a glob is kept lower-case, the path as written.
  CHECK(c.rules.imageSignatures[0].images ==
        std::vector<std::string>{"registry.example.com/team/**", "registry.example.com/ops/*"});
  CHECK(c.rules.imageSignatures[0].keys.keys.size() == 2);
  CHECK(c.rules.imageSignatures[0].keys.keys[0].name() == dir.path + "/team.pub");
  CHECK(c.rules.imageVerificationBudgetMs == 1500);
  // The registry part of a glob names the server as images do once normalized: index.docker.io is
  // docker.io (distribution/reference), :443 and a trailing root dot reach the same server; left as
  // written, "index.docker.io/library/*" (sigstore policy-controller's spelling) covered no image.
  auto globs = [&](const std::string& list) {
    return config::parseConfig(std::string(kHeader) + "rules:\n  imageSignatures:\n  - images: " + list +
                                   "\n    publicKeys:\n    - |\n" + indented(kP256, "      "),
                               "kguard.yaml")
        .rules.imageSignatures[0]
        .images;
  };
  CHECK(globs("[\"index.docker.io/library/*\", \"Registry.example.com.:0443/team/**\", \"r.example:05000/a/*\", "
              "\"*.example.com:443/**\"]") ==
        std::vector<std::string>{"docker.io/library/*", "registry.example.com/team/**", "r.example:5000/a/*",
                                 "*.example.com/**"});
  CHECK(c.rules.anyEnabled());
  REQUIRE(c.registries.size() == 2);
  CHECK(c.registries[0].options.caFile == dir.path + "/ca.pem");
  CHECK(c.registries[0].options.username == "puller");
  CHECK(c.registries[0].options.password == "secret");
  CHECK_FALSE(c.registries[0].options.insecure);
  CHECK(c.registries[1].options.insecure);
  CHECK(config::parseConfig(kHeader, "kguard.yaml").rules.imageVerificationBudgetMs == 2000);
}

TEST_CASE("imageSignatures and registries mistakes name the field") {
  TempDir dir;
  std::string pub = dir.write("team.pub", kP256);
  std::string notKey = dir.write("not-a-key.pub", "hello\n");
  std::string creds = dir.write("pull.json", R"({"auths": {"other.example.com": {"auth": "cHVsbGVyOnNlY3JldA=="}}})");
  auto sig = [&](const std::string& body) { return errorOf(std::string(kHeader) + "rules:\n  imageSignatures:\n" + body); };
  CHECK_THAT(sig("  - {images: [\"a.example/**\"]}\n"),
             Catch::Contains("rules.imageSignatures[0]: publicKeys: at least one key"));
  CHECK_THAT(sig("  - {publicKeys: [" + pub + "]}\n"), Catch::Contains("rules.imageSignatures[0]: images: at least one"));
  CHECK_THAT(sig("  - {images: [\"a.example/app:v1\"], publicKeys: [" + pub + "]}\n"),
             Catch::Contains("names a tag or digest"));
  // Names are matched normalized (registry/repository): these would verify nothing, a silent allow.
  for (const char* glob : {"nginx", "*", "docker.io"})
    CHECK_THAT(sig("  - {images: [\"a.example/**\", \"" + std::string(glob) + "\"], publicKeys: [" + pub + "]}\n"),
               Catch::Contains("rules.imageSignatures[0]: images: \"" + std::string(glob) + "\" matches no image"));
  // A first segment that is no registry host: myorg/app is docker.io/myorg/app, so `myorg/*` matches nothing.
  CHECK_THAT(sig("  - {images: [\"a.example/**\", \"myorg/*\"], publicKeys: [" + pub + "]}\n"),
             Catch::Contains("rules.imageSignatures[0]: images: \"myorg/*\" matches no image: its first segment "
                             "\"myorg\" is no registry host") && Catch::Contains("write docker.io/myorg/*"));
  // Hosts as distribution reads them (a '.' or ':', localhost, upper case) and wildcard first segments pass.
  for (const char* glob : {"localhost/team/*", "127.0.0.1:5000/**", "Registry/app", "*/myorg/*", "docker.io/myorg/*"})
    CHECK(sig("  - {images: [\"" + std::string(glob) + "\"], publicKeys: [" + pub + "]}\n") == "");
  // The same silent allow, written as another registry tool would: Docker Hub images are
  // docker.io/library/X and docker.io/ORG/X; a first segment that is no host is no registry; repository
  // names are lower-case (distribution/reference), so an upper-case path matches nothing.
  for (const char* glob : {"docker.io/nginx", "docker.io/ngin*", "myorg/**", "myorg/app", "registry.example.com/Team/**"})
    CHECK_THAT(sig("  - {images: [\"a.example/**\", \"" + std::string(glob) + "\"], publicKeys: [" + pub + "]}\n"),
               Catch::Contains("rules.imageSignatures[0]: images: \"" + std::string(glob) + "\" matches no image"));
  CHECK_THAT(sig("  - {images: [\"a.example/**\"], publicKeys: [/no/such.pub]}\n"),
             Catch::Contains("rules.imageSignatures[0].publicKeys[0]") && Catch::Contains("/no/such.pub"));
  CHECK_THAT(sig("  - {images: [\"a.example/**\"], publicKeys: [" + notKey + "]}\n"),
             Catch::Contains("rules.imageSignatures[0].publicKeys[0]") && Catch::Contains(notKey));
  CHECK_THAT(sig("  - {images: [\"a.example/**\"], publicKeys: [" + pub + "], keys: []}\n"),
             Catch::Contains("rules.imageSignatures[0].keys: unknown field"));
  CHECK_THAT(errorOf(std::string(kHeader) + "rules: {imageVerificationBudgetMs: 60000}\n"),
             Catch::Contains("rules.imageVerificationBudgetMs: expected milliseconds between 100 and 25000"));
  auto reg = [&](const std::string& body) { return errorOf(std::string(kHeader) + "registries:\n" + body); };
  CHECK_THAT(reg("- {insecure: true}\n"), Catch::Contains("registries[0]: host: required"));
  CHECK_THAT(reg("- {host: a.example, tls: true}\n"), Catch::Contains("registries[0].tls: unknown field"));
  CHECK_THAT(reg("- {host: a.example}\n- {host: a.example}\n"), Catch::Contains("registries[1]: host: \"a.example\" is listed twice"));
  CHECK_THAT(reg("- {host: a.example}\n- {host: \"A.example:443\", insecure: true}\n"),
             Catch::Contains("registries[1]: host: \"A.example:443\" is listed twice (as a.example)"));
  CHECK_THAT(reg("- {host: a.example, caFile: /no/ca.pem}\n"), Catch::Contains("registries[0].caFile: cannot read \"/no/ca.pem\""));
  CHECK_THAT(reg("- {host: a.example, credentialsFile: " + creds + "}\n"),
             Catch::Contains("registries[0].credentialsFile") && Catch::Contains("has no credentials for \"a.example\""));
}

TEST_CASE("upstream's PodSecurityConfiguration file is read as the Pod Security part of a configuration") {
  auto c = parseConfig(R"(apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults:
  enforce: baseline
  enforce-version: v1.29
  warn: restricted
exemptions:
  usernames: [system:serviceaccount:kube-system:replicaset-controller]
  runtimeClasses: [kata]
  namespaces: [kube-system]
)", "psa.yaml");
  CHECK(c.podSecurityDefaults.enforce == "baseline");
  CHECK(c.podSecurityDefaults.enforceVersion == "v1.29");
  CHECK(c.podSecurityDefaults.warn == "restricted");
  CHECK(c.podSecurityDefaults.audit == "privileged");  // upstream's default for an unset mode
  CHECK(c.exemptions.usernames == std::vector<std::string>{"system:serviceaccount:kube-system:replicaset-controller"});
  CHECK(c.exemptions.namespaces == std::vector<std::string>{"kube-system"});
  CHECK(c.exemptions.runtimeClasses == std::vector<std::string>{"kata"});
  CHECK_FALSE(c.enforceOnWorkloads);
  CHECK_FALSE(c.rules.anyEnabled());
  CHECK(errorOf("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\nenforceOnWorkloads: true\n") ==
        "kguard.yaml: document 1: line 3: enforceOnWorkloads: unknown field");
  CHECK(errorOf("apiVersion: kguard.io/v1alpha1\nkind: PodSecurityConfiguration\n").find("expected pod-security.admission.config.k8s.io/v1") !=
        std::string::npos);
}
