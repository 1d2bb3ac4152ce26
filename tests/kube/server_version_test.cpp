// GET /version: what kguard rbac --kubeconfig assumes (kube/server_version.h).
#include <catch2/catch.hpp>

#include <httplib.h>

#include "fake_api_server.h"
#include "kube/api_client.h"
#include "kube/manifest.h"
#include "kube/server_version.h"

TEST_CASE("server version: major/minor as providers report them, else gitVersion") {
  auto v = kube::parseServerVersion(R"({"major":"1","minor":"20","gitVersion":"v1.20.2","platform":"linux/amd64"})");
  REQUIRE(v);
  CHECK(v->major == 1);
  CHECK(v->minor == 20);
  CHECK(v->gitVersion == "v1.20.2");
  // EKS and GKE append "+" to minor
  v = kube::parseServerVersion(R"({"major":"1","minor":"29+","gitVersion":"v1.29.1-eks-508b6b3"})");
  REQUIRE(v);
  CHECK(v->minor == 29);
  // empty major/minor (no version ldflags): gitVersion
  v = kube::parseServerVersion(R"({"major":"","minor":"","gitVersion":"v1.31.0-rc.1"})");
  REQUIRE(v);
  CHECK(v->major == 1);
  CHECK(v->minor == 31);
  // no version at all
  CHECK_FALSE(kube::parseServerVersion(R"({"major":"","minor":"","gitVersion":"v0.0.0-master+$Format:%h$"})"));
  CHECK_FALSE(kube::parseServerVersion(R"({"gitVersion":"unknown"})"));
  CHECK_FALSE(kube::parseServerVersion("<html>not json</html>"));
  CHECK_FALSE(kube::parseServerVersion("[]"));
}

TEST_CASE("server version: read from /version; HTTP errors are a problem, no answer an error") {
  std::string status = "200", body = R"({"major":"1","minor":"20","gitVersion":"v1.20.2"})";
  kube_test::FakeServerOptions options;
  options.extraRoutes = [&](httplib::Server& server) {
    server.Get("/version", [&](const httplib::Request&, httplib::Response& res) {
      res.status = std::stoi(status);
      res.set_content(body, "application/json");
    });
  };
  kube_test::FakeApiServer server(options);
  kube::KubeConfig config;
  config.server = server.url();
  kube::ApiClient client(config);
  auto answer = kube::readServerVersion(client);
  REQUIRE(answer.version);
  CHECK(answer.version->minor == 20);

  status = "403";
  body = R"({"kind":"Status","message":"forbidden: User \"x\" cannot get path \"/version\""})";
  answer = kube::readServerVersion(client);
  CHECK_FALSE(answer.version);
  CHECK(answer.problem.find(server.url() + "/version: HTTP 403") == 0);

  status = "200";
  body = R"({"gitVersion":"v0.0.0-master+$Format:%h$"})";
  answer = kube::readServerVersion(client);
  CHECK_FALSE(answer.version);
  CHECK(answer.problem.find("reports no Kubernetes version") != std::string::npos);

  kube::KubeConfig nowhere;
  nowhere.server = "http://127.0.0.1:1";
  kube::ApiClient unreachable(nowhere);
  CHECK_THROWS_WITH(kube::readServerVersion(unreachable),
                    Catch::Contains("cannot read the server's version from http://127.0.0.1:1/version: no response"));
}
