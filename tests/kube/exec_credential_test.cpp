// Exec credential plugins (kube/exec_credential.h) through the kubeconfig and the API client, with small
// shell plugins written by each test and a fake API server that records the Authorization header.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "api_test_support.h"
#include "fake_api_server.h"
#include "kube/api_client.h"
#include "kube/exec_credential.h"
#include "kube/kubeconfig.h"
#include "kube/manifest.h"

using kube_test::base64;
using kube_test::FakeApiServer;
using kube_test::FakeServerOptions;
using kube_test::readFile;
using kube_test::TempDir;
using kube_test::testPki;
using kube_test::writeFile;

namespace {

constexpr const char* kV1 = "client.authentication.k8s.io/v1";
constexpr const char* kV1beta1 = "client.authentication.k8s.io/v1beta1";
constexpr const char* kList = R"({"kind":"List","apiVersion":"v1","metadata":{},"items":[]})";

// A plugin that counts its runs in $DIR/count, records its args, KUBERNETES_EXEC_INFO and $GREETING,
// and answers token-<run> with apiVersion $ANSWER_VERSION and expirationTimestamp $EXPIRY (if set).
const char* kTokenPlugin = R"(#!/bin/sh
n=$(( $(cat "$DIR/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$DIR/count"
printf '%s\n' "$@" >"$DIR/args"
printf '%s' "$KUBERNETES_EXEC_INFO" >"$DIR/info"
printf '%s' "$GREETING" >"$DIR/greeting"
expiry=""
[ -n "$EXPIRY" ] && expiry=",\"expirationTimestamp\":\"$EXPIRY\""
echo "plugin says hi" >&2
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"token-%s"%s}}\n' "$ANSWER_VERSION" "$n" "$expiry"
)";

void writeScript(const std::string& path, const std::string& text) {
  writeFile(path, text);
  chmod(path.c_str(), 0755);
}

// A kubeconfig for `server` whose user "alice" runs `command` with two args and the env given as
// (name, value) pairs; `execExtra` lines go under `exec:`.
std::string execKubeconfig(const std::string& server, const std::string& apiVersion, const std::string& command,
                           const std::vector<std::pair<std::string, std::string>>& env,
                           const std::string& execExtra = "") {
  std::string out = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " + server +
                    "\nusers:\n- name: alice\n  user:\n    exec:\n      apiVersion: " + apiVersion +
                    "\n      command: " + command + "\n      args: [--region, eu west]\n      env:\n";
  for (const auto& [name, value] : env) out += "      - {name: " + name + ", value: \"" + value + "\"}\n";
  out += execExtra;
  out += "contexts:\n- name: ctx\n  context: {cluster: c, user: alice}\ncurrent-context: ctx\n";
  return out;
}

std::string expiryIn(int seconds) {
  time_t t = time(nullptr) + seconds;
  char text[32];
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  return text;
}

struct TokenPluginSetup {
  TempDir dir;
  FakeApiServer server;
  std::string plugin = dir.file("plugin.sh");
  TokenPluginSetup() { writeScript(plugin, kTokenPlugin); }

  kube::KubeConfig config(const std::string& apiVersion, const std::string& expiry = "",
                          const std::string& answerVersion = "", const std::string& execExtra = "") {
    std::string extra = execExtra;
    if (apiVersion == kV1 && extra.find("interactiveMode") == std::string::npos) extra += "      interactiveMode: Never\n";
    std::string text = execKubeconfig(server.url(), apiVersion, plugin,
                                      {{"DIR", dir.path()}, {"GREETING", "hello from the kubeconfig"},
                                       {"EXPIRY", expiry}, {"ANSWER_VERSION", answerVersion.empty() ? apiVersion : answerVersion}},
                                      extra);
    return kube::parseKubeconfig(text, "test.kubeconfig", dir.path());
  }
  int runs() const {
    std::string count = readFile(dir.file("count"));
    return std::stoi(count);
  }
  std::string lastAuthorization() const { return server.requests().back().authorization; }
};

}  // namespace

TEST_CASE("exec plugin: v1beta1 and v1 token plugins authenticate requests, with args, env and exec info") {
  for (const char* version : {kV1beta1, kV1}) {
    SECTION(version) {
      TokenPluginSetup s;
      s.server.queueList(200, kList);
      kube::ApiClient client(s.config(version));
      auto response = client.get("/api/v1/pods");
      INFO(response.describe());
      CHECK(response.ok());
      CHECK(s.lastAuthorization() == "Bearer token-1");
      CHECK(readFile(s.dir.file("args")) == "--region\neu west\n");
      CHECK(readFile(s.dir.file("greeting")) == "hello from the kubeconfig");
      auto info = nlohmann::json::parse(readFile(s.dir.file("info")));
      CHECK(info["apiVersion"] == version);
      CHECK(info["kind"] == "ExecCredential");
      CHECK(info["spec"]["interactive"] == false);  // ctest's stdin is not a terminal
      CHECK_FALSE(info["spec"].contains("cluster"));  // provideClusterInfo is off
    }
  }
}

TEST_CASE("exec plugin: provideClusterInfo passes the server and CA in KUBERNETES_EXEC_INFO") {
  TokenPluginSetup s;
  s.server.queueList(200, kList);
  auto config = s.config(kV1beta1, "", "", "      provideClusterInfo: true\n");
  config.caPem = testPki().pem("ca.crt");  // as if from certificate-authority-data (the fake serves plain HTTP)
  auto info = nlohmann::json::parse(kube::execCredentialRequest(*config.exec,
                                                               {config.server, config.caPem, false}, false));
  CHECK(info["spec"]["cluster"]["server"] == s.server.url());
  CHECK(info["spec"]["cluster"]["certificate-authority-data"] == base64(testPki().pem("ca.crt")));
  kube::ApiClient(s.config(kV1beta1, "", "", "      provideClusterInfo: true\n")).get("/api/v1/pods");
  CHECK(nlohmann::json::parse(readFile(s.dir.file("info")))["spec"]["cluster"]["server"] == s.server.url());
}

TEST_CASE("exec plugin: the credential is cached until expirationTimestamp") {
  TokenPluginSetup s;
  s.server.queueList(200, kList);
  SECTION("no expiry: one run for many requests") {
    kube::ApiClient client(s.config(kV1));
    for (int i = 0; i < 3; ++i) CHECK(client.get("/api/v1/pods").ok());
    CHECK(s.runs() == 1);
  }
  SECTION("expiry in an hour: one run") {
    kube::ApiClient client(s.config(kV1, expiryIn(3600)));
    for (int i = 0; i < 3; ++i) CHECK(client.get("/api/v1/pods").ok());
    CHECK(s.runs() == 1);
    CHECK(s.lastAuthorization() == "Bearer token-1");
  }
  SECTION("already expired: re-run before every request") {
    kube::ApiClient client(s.config(kV1, expiryIn(-10)));
    for (int i = 0; i < 3; ++i) CHECK(client.get("/api/v1/pods").ok());
    CHECK(s.runs() == 3);
    CHECK(s.lastAuthorization() == "Bearer token-3");
  }
  SECTION("expiring in 2 s: cached, then re-run once it passed") {
    kube::ApiClient client(s.config(kV1, expiryIn(2)));
    CHECK(client.get("/api/v1/pods").ok());
    CHECK(client.get("/api/v1/pods").ok());
    CHECK(s.runs() == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    CHECK(client.get("/api/v1/pods").ok());
    CHECK(s.runs() == 2);
  }
}

TEST_CASE("exec plugin: a 401 drops the credential, re-runs the plugin and retries once") {
  TokenPluginSetup s;
  s.server.queueList(401, R"({"kind":"Status","code":401,"message":"Unauthorized"})");
  s.server.queueList(200, kList);
  kube::ApiClient client(s.config(kV1beta1));
  auto response = client.get("/api/v1/pods");
  INFO(response.describe());
  CHECK(response.ok());
  CHECK(s.runs() == 2);
  auto requests = s.server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].authorization == "Bearer token-1");
  CHECK(requests[1].authorization == "Bearer token-2");

  // A server that keeps refusing gets one retry per request, not a loop.
  TokenPluginSetup refusing;
  refusing.server.queueList(401, R"({"kind":"Status","code":401,"message":"Unauthorized"})");
  kube::ApiClient refused(refusing.config(kV1beta1));
  CHECK(refused.get("/api/v1/pods").status == 401);
  CHECK(refusing.runs() == 2);
}

TEST_CASE("exec plugin: a client certificate from the plugin is presented over TLS") {
  TempDir dir;
  FakeServerOptions options;
  options.https = true;
  options.requireClientCert = true;
  FakeApiServer server(options);
  server.queueList(200, kList);
  nlohmann::json credential{{"apiVersion", kV1},
                            {"kind", "ExecCredential"},
                            {"status",
                             {{"clientCertificateData", testPki().pem("client.crt")},
                              {"clientKeyData", testPki().pem("client.key")},
                              {"expirationTimestamp", expiryIn(3600)}}}};
  writeFile(dir.file("credential.json"), credential.dump());
  writeScript(dir.file("cert-plugin.sh"), "#!/bin/sh\ncat \"$DIR/credential.json\"\n");
  auto config = kube::parseKubeconfig(
      execKubeconfig(server.url(), kV1, "./cert-plugin.sh", {{"DIR", dir.path()}}, "      interactiveMode: IfAvailable\n"),
      "test.kubeconfig", dir.path());
  CHECK(config.exec->command == dir.file("cert-plugin.sh"));  // relative to the kubeconfig's folder
  config.caPem = testPki().pem("ca.crt");
  auto response = kube::ApiClient(config).get("/api/v1/pods");
  INFO(response.describe());
  CHECK(response.ok());
  CHECK(server.requests().back().authorization == "");
}

TEST_CASE("exec plugin: failures name the kubeconfig user and say what went wrong") {
  TempDir dir;
  FakeApiServer server;
  server.queueList(200, kList);
  auto errorOf = [&](const std::string& script, const std::string& execExtra = "") {
    writeScript(dir.file("p.sh"), script);
    auto config = kube::parseKubeconfig(execKubeconfig(server.url(), kV1beta1, dir.file("p.sh"), {}, execExtra),
                                        "test.kubeconfig", dir.path());
    auto response = kube::ApiClient(config).get("/api/v1/pods");
    CHECK_FALSE(response.ok());
    CHECK(response.error.find("for user \"alice\" in test.kubeconfig") != std::string::npos);
    return response.error;
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(errorOf("#!/bin/sh\necho 'first line' >&2\necho 'login failed: no network' >&2\nexit 3\n"),
             Contains("exit code 3; stderr: first line\nlogin failed: no network"));
  CHECK_THAT(errorOf("#!/bin/sh\necho 'this is not json'\n"), Contains("its output is not a JSON object: this is not json"));
  CHECK_THAT(errorOf("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                     "\"status\":{\"token\":\"t\"}}'\n"),
             Contains("configured for client.authentication.k8s.io/v1beta1 but returned apiVersion "
                      "\"client.authentication.k8s.io/v1\""));
  CHECK_THAT(errorOf("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\"}'\n"),
             Contains("has no status"));
  CHECK_THAT(errorOf("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
                     "\"status\":{}}'\n"),
             Contains("neither a token nor clientCertificateData"));
  CHECK_THAT(errorOf("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
                     "\"status\":{\"token\":\"t\",\"expirationTimestamp\":\"tomorrow\"}}'\n"),
             Contains("expirationTimestamp \"tomorrow\" is not an RFC 3339 time"));
  CHECK_THAT(errorOf("#!/bin/sh\nkill -9 $$\n"), Contains("killed by signal 9"));
  CHECK_THAT(errorOf("#!/bin/sh\necho '{}'\n", "      interactiveMode: Always\n"),
             Contains("interactiveMode is Always but standard input is not a terminal"));

  auto config = kube::parseKubeconfig(
      execKubeconfig(server.url(), kV1beta1, "kguard-no-such-plugin", {}, "      installHint: install it with apt\n"),
      "test.kubeconfig", dir.path());
  auto response = kube::ApiClient(config).get("/api/v1/pods");
  CHECK_THAT(response.error, Contains("cannot run it: No such file or directory\ninstall it with apt"));
  CHECK(server.requests().empty());  // nothing is sent without a credential
}

TEST_CASE("exec plugin: kubeconfig validation of the exec section") {
  auto parse = [](const std::string& apiVersion, const std::string& extra) {
    return kube::parseKubeconfig(execKubeconfig("https://10.0.0.1:6443", apiVersion, "plugin", {}, extra),
                                 "test.kubeconfig", "/tmp");
  };
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(parse(kV1, ""), Contains("users[0].user.exec.interactiveMode: required for client.authentication.k8s.io/v1"));
  CHECK_THROWS_WITH(parse(kV1, "      interactiveMode: Sometimes\n"), Contains("\"Sometimes\" is not one of Never, IfAvailable, Always"));
  CHECK_THROWS_WITH(parse("client.authentication.k8s.io/v1alpha1", ""),
                    Contains("exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not supported"));
  auto config = parse(kV1beta1, "");
  REQUIRE(config.exec);
  CHECK(config.exec->command == "plugin");  // a bare name stays a PATH lookup
  CHECK(config.exec->interactiveMode == kube::ExecConfig::Interactive::IfAvailable);
  CHECK(config.exec->args == std::vector<std::string>{"--region", "eu west"});
}
