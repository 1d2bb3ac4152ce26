// kubeconfig and in-cluster configuration parsing (kube/kubeconfig.h).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "api_test_support.h"
#include "kube/kubeconfig.h"
#include "kube/manifest.h"

using kube_test::base64;
using kube_test::readFile;
using kube_test::TempDir;
using kube_test::testPki;
using kube_test::writeFile;

namespace {

// A kubeconfig with two clusters, two users and two contexts; `extraUser` lines are added under the
// user "alice" (indented for `user:`), `extraCluster` under the cluster "prod".
std::string kubeconfig(const std::string& extraCluster = "", const std::string& extraUser = "",
                       const std::string& current = "dev") {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: local\n"
         "  cluster:\n"
         "    server: http://127.0.0.1:8080\n"
         "    insecure-skip-tls-verify: true\n"
         "- name: prod\n"
         "  cluster:\n"
         "    server: https://10.0.0.1:6443\n" +
         extraCluster +
         "users:\n"
         "- name: bob\n"
         "  user:\n"
         "    token: bob-token\n"
         "- name: alice\n"
         "  user:\n" +
         (extraUser.empty() ? "    token: alice-token\n" : extraUser) +
         "contexts:\n"
         "- name: dev\n"
         "  context:\n"
         "    cluster: local\n"
         "    user: bob\n"
         "- name: prod\n"
         "  context:\n"
         "    cluster: prod\n"
         "    user: alice\n"
         "    namespace: payments\n"
         "current-context: " +
         current + "\n";
}

std::string indentedPemField(const std::string& field, const std::string& value) {
  return "    " + field + ": " + value + "\n";
}

}  // namespace

TEST_CASE("kubeconfig: current-context selects cluster, user and namespace") {
  kube::KubeConfig c = kube::parseKubeconfig(kubeconfig(), "kc.yaml", "/nowhere");
  CHECK(c.server == "http://127.0.0.1:8080");
  CHECK(c.insecureSkipTlsVerify);
  CHECK(c.bearerToken == "bob-token");
  CHECK(c.caPem.empty());
  CHECK(c.namespace_.empty());
}

TEST_CASE("kubeconfig: a named context overrides current-context") {
  kube::KubeConfig c = kube::parseKubeconfig(kubeconfig(), "kc.yaml", "/nowhere", "prod");
  CHECK(c.server == "https://10.0.0.1:6443");
  CHECK_FALSE(c.insecureSkipTlsVerify);
  CHECK(c.bearerToken == "alice-token");
  CHECK(c.namespace_ == "payments");
}

TEST_CASE("kubeconfig: missing or unknown context names the field") {
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("", "", "\"\""), "kc.yaml", "/"),
                    "kc.yaml: current-context: not set, and no context was given");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("", "", "staging"), "kc.yaml", "/"),
                    "kc.yaml: current-context: no context named \"staging\" in contexts");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig(), "kc.yaml", "/", "nope"),
                    "kc.yaml: contexts: no context named \"nope\" in contexts");
}

TEST_CASE("kubeconfig: a context pointing at a missing cluster or user") {
  std::string text = kubeconfig();
  std::string missingCluster = text;
  missingCluster.replace(missingCluster.find("cluster: prod\n    user"), 13, "cluster: gone");
  CHECK_THROWS_WITH(kube::parseKubeconfig(missingCluster, "kc.yaml", "/", "prod"),
                    "kc.yaml: contexts[1].context.cluster: no cluster named \"gone\" in clusters");
  std::string missingUser = text;
  missingUser.replace(missingUser.find("user: alice"), 11, "user: carol");
  CHECK_THROWS_WITH(kube::parseKubeconfig(missingUser, "kc.yaml", "/", "prod"),
                    "kc.yaml: contexts[1].context.user: no user named \"carol\" in users");
}

TEST_CASE("kubeconfig: certificate-authority-data is decoded") {
  std::string ca = testPki().pem("ca.crt");
  auto c = kube::parseKubeconfig(kubeconfig(indentedPemField("certificate-authority-data", base64(ca))), "kc.yaml",
                                 "/", "prod");
  CHECK(c.caPem == ca);
}

TEST_CASE("kubeconfig: certificate-authority is a path relative to the kubeconfig's folder") {
  TempDir dir;
  std::filesystem::create_directories(dir.file("pki"));
  writeFile(dir.file("pki/ca.crt"), testPki().pem("ca.crt"));
  writeFile(dir.file("config"), kubeconfig(indentedPemField("certificate-authority", "pki/ca.crt")));
  auto c = kube::loadKubeconfig(dir.file("config"), "prod");
  CHECK(c.caPem == testPki().pem("ca.crt"));

  // The same relative path from another working directory still resolves next to the file.
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path("/");
  CHECK(kube::loadKubeconfig(dir.file("config"), "prod").caPem == testPki().pem("ca.crt"));
  std::filesystem::current_path(previous);

  writeFile(dir.file("config"), kubeconfig(indentedPemField("certificate-authority", "pki/missing.crt")));
  CHECK_THROWS_WITH(kube::loadKubeconfig(dir.file("config"), "prod"),
                    Catch::Contains("clusters[1].cluster.certificate-authority: cannot read file " +
                                    dir.path() + "/pki/missing.crt"));
}

TEST_CASE("kubeconfig: CA data that is not base64 or not a certificate") {
  CHECK_THROWS_WITH(
      kube::parseKubeconfig(kubeconfig(indentedPemField("certificate-authority-data", "not*base64")), "kc.yaml", "/", "prod"),
      "kc.yaml: clusters[1].cluster.certificate-authority-data: invalid base64");
  CHECK_THROWS_WITH(
      kube::parseKubeconfig(kubeconfig(indentedPemField("certificate-authority-data", base64("hello"))), "kc.yaml", "/", "prod"),
      "kc.yaml: clusters[1].cluster.certificate-authority-data: no PEM certificate found");
}

TEST_CASE("kubeconfig: insecure-skip-tls-verify with a CA is refused, as by clientcmd") {
  std::string extra = indentedPemField("certificate-authority-data", base64(testPki().pem("ca.crt"))) +
                      "    insecure-skip-tls-verify: true\n";
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig(extra), "kc.yaml", "/", "prod"),
                    Catch::Contains("clusters[1].cluster: insecure-skip-tls-verify cannot be combined"));
}

TEST_CASE("kubeconfig: client certificate and key, inline and from files") {
  const std::string cert = testPki().pem("client.crt"), key = testPki().pem("client.key");
  SECTION("inline data") {
    auto c = kube::parseKubeconfig(kubeconfig("",
                                              indentedPemField("client-certificate-data", base64(cert)) +
                                                  indentedPemField("client-key-data", base64(key))),
                                   "kc.yaml", "/", "prod");
    CHECK(c.clientCertPem == cert);
    CHECK(c.clientKeyPem == key);
    CHECK(c.bearerToken.empty());
  }
  SECTION("relative files") {
    TempDir dir;
    writeFile(dir.file("client.crt"), cert);
    writeFile(dir.file("client.key"), key);
    writeFile(dir.file("kc"), kubeconfig("", indentedPemField("client-certificate", "client.crt") +
                                                 indentedPemField("client-key", "./client.key")));
    auto c = kube::loadKubeconfig(dir.file("kc"), "prod");
    CHECK(c.clientCertPem == cert);
    CHECK(c.clientKeyPem == key);
  }
}

TEST_CASE("kubeconfig: bad client key data names users[i].user.client-key-data") {
  const std::string cert = base64(testPki().pem("client.crt"));
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("", indentedPemField("client-certificate-data", cert) +
                                                             indentedPemField("client-key-data", "abc$def")),
                                          "kubeconfig.yaml", "/", "prod"),
                    "kubeconfig.yaml: users[1].user.client-key-data: invalid base64");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("", indentedPemField("client-certificate-data", cert) +
                                                             indentedPemField("client-key-data", cert)),
                                          "kubeconfig.yaml", "/", "prod"),
                    Catch::StartsWith("kubeconfig.yaml: users[1].user.client-key-data: malformed or encrypted PEM private key"));
  CHECK_THROWS_WITH(
      kube::parseKubeconfig(kubeconfig("", indentedPemField("client-certificate-data", cert)), "kc", "/", "prod"),
      "kc: users[1].user: client-certificate is given without client-key");
}

TEST_CASE("kubeconfig: tokenFile is resolved next to the kubeconfig") {
  auto c = kube::parseKubeconfig(kubeconfig("", "    tokenFile: secrets/token\n"), "kc", "/etc/kguard", "prod");
  CHECK(c.tokenFile == "/etc/kguard/secrets/token");
  CHECK(c.bearerToken.empty());
}

TEST_CASE("kubeconfig: unsupported auth and wrong types are clear errors") {
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("", "    auth-provider:\n      name: gcp\n"), "kc", "/", "prod"),
                    "kc: users[1].user.auth-provider: not supported by kguard (use a token, a client certificate or an exec plugin)");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("", "    exec:\n      command: aws\n"), "kc", "/", "prod"),
                    "kc: users[1].user.exec.apiVersion: required field is missing");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("", "    token: t\n    as: alice\n"), "kc", "/", "prod"),
                    "kc: users[1].user.as: impersonation is not supported by kguard");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("", "    token: t\n    as-groups: [dev]\n"), "kc", "/", "prod"),
                    "kc: users[1].user.as-groups: impersonation is not supported by kguard");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("    proxy-url: http://proxy:3128\n"), "kc", "/", "prod"),
                    "kc: clusters[1].cluster.proxy-url: not supported by kguard");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("    tls-server-name: api.internal\n"), "kc", "/", "prod"),
                    "kc: clusters[1].cluster.tls-server-name: not supported by kguard");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("", "    token: [1, 2]\n"), "kc", "/", "prod"),
                    "kc: users[1].user.token: expected a string, got a list");
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig("    insecure-skip-tls-verify: maybe\n"), "kc", "/", "prod"),
                    "kc: clusters[1].cluster.insecure-skip-tls-verify: expected a boolean, got a string");
}

TEST_CASE("kubeconfig: server is required and must be a URL") {
  std::string text = kubeconfig();
  text.replace(text.find("server: https://10.0.0.1:6443"), 29, "server: 10.0.0.1:6443");
  CHECK_THROWS_WITH(kube::parseKubeconfig(text, "kc", "/", "prod"),
                    "kc: clusters[1].cluster.server: expected an https:// or http:// URL, got \"10.0.0.1:6443\"");
}

TEST_CASE("kubeconfig: unreadable, non-YAML and multi-document files") {
  CHECK_THROWS_WITH(kube::loadKubeconfig("/nonexistent/kubeconfig"),
                    "/nonexistent/kubeconfig: cannot read kubeconfig file");
  CHECK_THROWS_AS(kube::parseKubeconfig("clusters: [", "kc", "/"), kube::InputError);
  CHECK_THROWS_WITH(kube::parseKubeconfig(kubeconfig() + "---\n" + kubeconfig(), "kc", "/"),
                    "kc: expected one kubeconfig document, found 2");
}

TEST_CASE("kubeconfig: the cluster.sh kubeconfig form") {
  TempDir dir;
  writeFile(dir.file("kubeconfig"),
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kguard-e2e\n  cluster:\n"
            "    server: https://127.0.0.1:34567\n    insecure-skip-tls-verify: true\n"
            "users:\n- name: kguard-admin\n  user:\n    token: 0f3c9a\n"
            "contexts:\n- name: kguard-e2e\n  context:\n    cluster: kguard-e2e\n    user: kguard-admin\n"
            "current-context: kguard-e2e\n");
  auto c = kube::loadKubeconfig(dir.file("kubeconfig"));
  CHECK(c.server == "https://127.0.0.1:34567");
  CHECK(c.bearerToken == "0f3c9a");
  CHECK(c.insecureSkipTlsVerify);
}

TEST_CASE("inClusterConfig reads the service-account mount") {
  TempDir dir;
  writeFile(dir.file("token"), "sa-token\n");
  writeFile(dir.file("ca.crt"), testPki().pem("ca.crt"));
  writeFile(dir.file("namespace"), "kguard-system");
  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto c = kube::inClusterConfig(dir.path());
  CHECK(c.server == "https://10.96.0.1:443");
  CHECK(c.bearerToken == "sa-token");
  CHECK(c.tokenFile == dir.file("token"));
  CHECK(c.caPem == testPki().pem("ca.crt"));
  CHECK(c.namespace_ == "kguard-system");

  setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  CHECK(kube::inClusterConfig(dir.path()).server == "https://[fd00::1]:443");

  std::filesystem::remove(dir.file("namespace"));
  CHECK(kube::inClusterConfig(dir.path()).namespace_ == "default");

  writeFile(dir.file("ca.crt"), "garbage");
  CHECK_THROWS_WITH(kube::inClusterConfig(dir.path()), Catch::Contains("ca.crt: no PEM certificate found"));

  std::filesystem::remove(dir.file("token"));
  CHECK_THROWS_WITH(kube::inClusterConfig(dir.path()), Catch::Contains("cannot read the service account token"));

  unsetenv("KUBERNETES_SERVICE_HOST");
  CHECK_THROWS_WITH(kube::inClusterConfig(dir.path()), Catch::Contains("not running in a cluster"));
  unsetenv("KUBERNETES_SERVICE_PORT");
}

TEST_CASE("kubeconfig: a file without apiVersion/kind is refused with a clear message") {
  CHECK_THROWS_WITH(kube::parseKubeconfig("clusters: []\n", "kc", "/"),
                    Catch::Contains("apiVersion: required string field is missing"));
}
