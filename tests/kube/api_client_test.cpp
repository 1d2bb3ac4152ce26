// ApiClient against fake servers on 127.0.0.1: verbs, errors, limits, token files, watch streaming and
// stop, and TLS (CA verification, host names, client certificates).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <chrono>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api_test_support.h"
#include "fake_api_server.h"
#include "kube/api_client.h"
#include "kube/manifest.h"

using kube_test::FakeApiServer;
using kube_test::FakeServerOptions;
using kube_test::TempDir;
using kube_test::testPki;
using kube_test::writeFile;

namespace {

// Echoes the request as JSON: method, path, body, content type, authorization.
void echoRoutes(httplib::Server& server) {
  auto echo = [](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json out{{"method", req.method},
                       {"path", req.path},
                       {"body", req.body},
                       {"contentType", req.get_header_value("Content-Type")},
                       {"authorization", req.get_header_value("Authorization")},
                       {"userAgent", req.get_header_value("User-Agent")}};
    res.set_content(out.dump(), "application/json");
  };
  server.Get("/echo.*", echo);
  server.Post("/echo.*", echo);
  server.Put("/echo.*", echo);
  server.Patch("/echo.*", echo);
  server.Delete("/echo.*", echo);
  server.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"kind":"Status","code":404,"message":"namespaces \"x\" not found"})", "application/json");
  });
  server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100000, 'x'), "text/plain");
  });
  // A watch whose events are split across chunks, with a blank line and no final newline.
  server.Get("/split-watch", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink& sink) {
      for (const char* piece : {R"({"type":"ADDED",)", R"("n":1})" "\n\n" R"({"type":)", R"("MODIFIED","n":2})" "\r\n",
                                R"({"type":"DELETED","n":3})"}) {
        sink.write(piece, std::strlen(piece));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      sink.done();
      return true;
    });
  });
  // A watch that stays silent for a long time.
  server.Get("/silent-watch", [](const httplib::Request&, httplib::Response& res) {
    auto started = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    res.set_chunked_content_provider("application/json", [started](size_t, httplib::DataSink& sink) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (std::chrono::steady_clock::now() - *started > std::chrono::seconds(10)) sink.done();
      return true;
    });
  });
  server.Get("/endless-line", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink& sink) {
      std::string chunk(4096, 'a');
      return sink.write(chunk.data(), chunk.size());
    });
  });
}

FakeServerOptions withEcho(FakeServerOptions options = {}) {
  options.extraRoutes = echoRoutes;
  return options;
}

kube::KubeConfig configFor(const FakeApiServer& server) {
  kube::KubeConfig config;
  config.server = server.url();
  config.bearerToken = "secret";
  return config;
}

nlohmann::json parsed(const kube::ApiResponse& response) { return nlohmann::json::parse(response.body); }

}  // namespace

TEST_CASE("ApiClient: verbs send their bodies, content types and the bearer token") {
  FakeApiServer server(withEcho());
  kube::ApiClient client(configFor(server));

  auto get = client.get("/echo/a");
  REQUIRE(get.ok());
  CHECK(get.status == 200);
  CHECK(parsed(get)["method"] == "GET");
  CHECK(parsed(get)["authorization"] == "Bearer secret");
  CHECK(parsed(get)["userAgent"] == "kguard/0.1");

  auto post = client.post("/echo/b", R"({"x":1})");
  CHECK(parsed(post)["method"] == "POST");
  CHECK(parsed(post)["body"] == R"({"x":1})");
  CHECK(parsed(post)["contentType"] == "application/json");

  auto patch = client.patch("/echo/c", R"({"metadata":{"labels":{"a":"b"}}})");
  CHECK(parsed(patch)["method"] == "PATCH");
  CHECK(parsed(patch)["contentType"] == "application/merge-patch+json");

  auto put = client.put("/echo/d", "{}");
  CHECK(parsed(put)["method"] == "PUT");
  auto del = client.del("/echo/e");
  CHECK(parsed(del)["method"] == "DELETE");
  CHECK(parsed(del)["path"] == "/echo/e");
}

TEST_CASE("ApiClient: error statuses keep the body and describe the Status message") {
  FakeApiServer server(withEcho());
  kube::ApiClient client(configFor(server));
  auto response = client.get("/missing");
  CHECK_FALSE(response.ok());
  CHECK(response.status == 404);
  CHECK(response.error.empty());
  CHECK(response.describe() == "HTTP 404: namespaces \"x\" not found");
}

TEST_CASE("ApiClient: a server path prefix is kept") {
  FakeApiServer server(withEcho());
  auto config = configFor(server);
  config.server += "/echo/prefix/";
  kube::ApiClient client(config);
  CHECK(parsed(client.get("/api/v1/namespaces"))["path"] == "/echo/prefix/api/v1/namespaces");
}

TEST_CASE("ApiClient: connection failures are errors, not exceptions") {
  int port;
  {
    FakeApiServer server;  // take a free port, then close it
    port = server.port();
  }
  kube::KubeConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  kube::ApiClient client(config);
  auto response = client.get("/api/v1/namespaces");
  CHECK(response.status == 0);
  CHECK_FALSE(response.error.empty());
  CHECK_FALSE(response.ok());
  CHECK(response.describe() == response.error);
}

TEST_CASE("ApiClient: bad server URLs are refused") {
  for (const char* url : {"ftp://x", "https://", "https://host:99999", "https://host:abc", "https://user@host",
                          "https://[::1", "https://host/p?q=1"}) {
    kube::KubeConfig config;
    config.server = url;
    CHECK_THROWS_AS(kube::ApiClient(config), kube::InputError);
  }
  kube::KubeConfig config;
  config.server = "https://[::1]:6443";
  CHECK_NOTHROW(kube::ApiClient(config));
  config.bearerToken = "abc\r\nX-Injected: 1";
  CHECK_THROWS_WITH(kube::ApiClient(config), "bearer token: contains control characters");
  config.bearerToken.clear();
  config.caPem = "not a certificate";
  CHECK_THROWS_WITH(kube::ApiClient(config), Catch::Contains("no PEM certificate found"));
}

TEST_CASE("ApiClient: responses over the size limit fail") {
  FakeApiServer server(withEcho());
  kube::ApiClientOptions options;
  options.maxResponseBytes = 1000;
  kube::ApiClient client(configFor(server), options);
  auto response = client.get("/big");
  CHECK_FALSE(response.ok());
  CHECK(response.error == "response larger than 1000 bytes");
  CHECK(response.body.size() <= 1000);
}

TEST_CASE("ApiClient: a token file wins over the static token and is re-read") {
  FakeApiServer server(withEcho());
  TempDir dir;
  writeFile(dir.file("token"), "first\n");
  auto config = configFor(server);
  config.tokenFile = dir.file("token");
  kube::ApiClientOptions options;
  options.tokenFileRefresh = std::chrono::milliseconds(0);
  kube::ApiClient client(config, options);
  CHECK(parsed(client.get("/echo"))["authorization"] == "Bearer first");
  writeFile(dir.file("token"), "rotated");
  CHECK(parsed(client.get("/echo"))["authorization"] == "Bearer rotated");
  std::filesystem::remove(dir.file("token"));  // keeps the last good value
  CHECK(parsed(client.get("/echo"))["authorization"] == "Bearer rotated");

  writeFile(dir.file("token"), "evil\r\nX-Injected: 1");  // refused: the last good value stays
  CHECK(parsed(client.get("/echo"))["authorization"] == "Bearer rotated");

  config.tokenFile = dir.file("never-existed");
  kube::ApiClient fallback(config, options);
  CHECK(parsed(fallback.get("/echo"))["authorization"] == "Bearer secret");
}

TEST_CASE("ApiClient: concurrent calls from several threads") {
  FakeApiServer server(withEcho());
  kube::ApiClient client(configFor(server));
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string path = "/echo/" + std::to_string(t) + "/" + std::to_string(i);
        auto response = client.get(path);
        if (response.ok() && parsed(response)["path"] == path) ++good;
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(good == 40);
}

TEST_CASE("ApiClient::watch reassembles events split across chunks") {
  FakeApiServer server(withEcho());
  kube::ApiClient client(configFor(server));
  std::vector<std::string> lines;
  std::atomic<bool> stop{false};
  auto result = client.watch("/split-watch", [&](const std::string& line) {
    lines.push_back(line);
    return true;
  }, stop);
  CHECK(result.ok());
  CHECK(lines == std::vector<std::string>{R"({"type":"ADDED","n":1})", "{\"type\":\"MODIFIED\",\"n\":2}\r",
                                          R"({"type":"DELETED","n":3})"});
}

TEST_CASE("ApiClient::watch returns a non-200 answer without calling onLine") {
  FakeApiServer server(withEcho());
  kube::ApiClient client(configFor(server));
  std::atomic<bool> stop{false};
  bool called = false;
  auto result = client.watch("/missing", [&](const std::string&) { return called = true; }, stop);
  CHECK_FALSE(called);
  CHECK(result.status == 404);
  CHECK_THAT(result.body, Catch::Contains("not found"));
}

TEST_CASE("ApiClient::watch ends when onLine returns false") {
  FakeApiServer server(withEcho());
  kube::ApiClient client(configFor(server));
  std::atomic<bool> stop{false};
  int calls = 0;
  auto result = client.watch("/split-watch", [&](const std::string&) { return ++calls < 2; }, stop);
  CHECK(calls == 2);
  CHECK(result.error == "canceled");
}

TEST_CASE("ApiClient::watch honours stop while the server is silent") {
  FakeApiServer server(withEcho());
  kube::ApiClient client(configFor(server));
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  auto started = std::chrono::steady_clock::now();
  auto result = client.watch("/silent-watch", [](const std::string&) { return true; }, stop);
  auto elapsed = std::chrono::steady_clock::now() - started;
  stopper.join();
  CHECK(result.error == "stopped");
  CHECK(elapsed >= std::chrono::milliseconds(300));
  CHECK(elapsed < std::chrono::milliseconds(1300));
}

TEST_CASE("ApiClient::get with a stop flag is abandoned promptly") {
  FakeApiServer server(withEcho());
  kube::ApiClient client(configFor(server));
  std::atomic<bool> stop{false};
  CHECK(client.get("/echo", stop).ok());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  auto started = std::chrono::steady_clock::now();
  auto result = client.get("/silent-watch", stop);  // sends headers, then nothing for 10 s
  stopper.join();
  CHECK(result.error == "stopped");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1200));
  CHECK(client.get("/echo", stop).error == "stopped");  // already stopped: not even sent
}

TEST_CASE("ApiClient::watch refuses an endless line") {
  FakeApiServer server(withEcho());
  kube::ApiClientOptions options;
  options.maxWatchLineBytes = 100000;
  kube::ApiClient client(configFor(server), options);
  std::atomic<bool> stop{false};
  auto result = client.watch("/endless-line", [](const std::string&) { return true; }, stop);
  CHECK(result.error == "watch event larger than 100000 bytes");
}

TEST_CASE("ApiClient over HTTPS verifies the server against the configured CA") {
  FakeServerOptions options;
  options.https = true;
  FakeApiServer server(withEcho(options));
  auto config = configFor(server);

  SECTION("the right CA") {
    config.caPem = testPki().pem("ca.crt");
    auto response = kube::ApiClient(config).get("/echo");
    INFO(response.describe());
    CHECK(response.ok());
    CHECK(parsed(response)["authorization"] == "Bearer secret");
  }
  SECTION("another CA") {
    config.caPem = testPki().pem("other-ca.crt");
    auto response = kube::ApiClient(config).get("/echo");
    CHECK_FALSE(response.ok());
    CHECK_THAT(response.error, Catch::Contains("certificate verify failed"));
  }
  SECTION("no CA: the system trust store does not know the test CA") {
    CHECK_FALSE(kube::ApiClient(config).get("/echo").ok());
  }
  SECTION("insecure-skip-tls-verify") {
    config.insecureSkipTlsVerify = true;
    CHECK(kube::ApiClient(config).get("/echo").ok());
  }
  SECTION("a CA bundle with the right CA second") {
    config.caPem = testPki().pem("other-ca.crt") + testPki().pem("ca.crt");
    CHECK(kube::ApiClient(config).get("/echo").ok());
  }
}

TEST_CASE("ApiClient over HTTPS checks the host name") {
  FakeServerOptions options;
  options.https = true;
  options.serverCert = "wrong-host";
  FakeApiServer server(withEcho(options));
  auto config = configFor(server);
  config.caPem = testPki().pem("ca.crt");
  auto response = kube::ApiClient(config).get("/echo");
  CHECK_FALSE(response.ok());
  CHECK_THAT(response.error, Catch::Contains("certificate verify failed"));
  config.caPem.clear();
  config.insecureSkipTlsVerify = true;
  CHECK(kube::ApiClient(config).get("/echo").ok());
}

TEST_CASE("ApiClient presents a client certificate from memory") {
  FakeServerOptions options;
  options.https = true;
  options.requireClientCert = true;
  FakeApiServer server(withEcho(options));
  auto config = configFor(server);
  config.caPem = testPki().pem("ca.crt");
  config.bearerToken.clear();
  CHECK_FALSE(kube::ApiClient(config).get("/echo").ok());

  config.clientCertPem = testPki().pem("client.crt");
  config.clientKeyPem = testPki().pem("client.key");
  auto response = kube::ApiClient(config).get("/echo");
  INFO(response.describe());
  CHECK(response.ok());
  CHECK(parsed(response)["authorization"] == "");

  config.clientKeyPem = testPki().pem("server.key");  // does not match the certificate
  CHECK_THROWS_AS(kube::ApiClient(config).get("/echo"), kube::InputError);
}

TEST_CASE("ApiClient::watch over HTTPS honours stop while silent") {
  FakeServerOptions options;
  options.https = true;
  FakeApiServer server(withEcho(options));
  auto config = configFor(server);
  config.caPem = testPki().pem("ca.crt");
  kube::ApiClient client(config);
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  auto started = std::chrono::steady_clock::now();
  auto result = client.watch("/silent-watch", [](const std::string&) { return true; }, stop);
  stopper.join();
  CHECK(result.error == "stopped");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1200));
}
