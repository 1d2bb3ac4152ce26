// The daemons' health and metrics routes (runtime/health_routes.h), as the webhook and the agent answer
// them, and the agent's plain-HTTP endpoint serving them on a real socket.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <stdexcept>
#include <string>

#include "runtime/health_endpoint.h"
#include "runtime/health_routes.h"

namespace {

// One HTTP/1.0 GET over a raw socket: the whole response, headers included.
std::string httpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("connect failed");
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
  if (send(fd, request.data(), request.size(), 0) < 0) throw std::runtime_error("send failed");
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<size_t>(n));
  close(fd);
  return response;
}

runtime::HealthRoutes metricsOnly(std::function<std::string()> render) {
  runtime::HealthRoutes routes;
  routes.renderMetrics = std::move(render);
  return routes;
}

}  // namespace

TEST_CASE("health routes: /healthz, /readyz with the reason it is not ready, /metrics in Prometheus text") {
  std::string notReady;
  runtime::HealthRoutes routes;
  routes.renderMetrics = [] { return std::string("x 1\n"); };
  routes.notReadyReason = [&notReady] { return notReady; };
  auto health = routes.answer("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "ok\n");
  CHECK(routes.answer("/readyz")->status == 200);
  notReady = "shutting down";
  CHECK(routes.answer("/readyz")->status == 503);
  CHECK(routes.answer("/readyz")->body == "shutting down\n");
  auto metrics = routes.answer("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body == "x 1\n");
  CHECK(metrics->contentType == "text/plain; version=0.0.4; charset=utf-8");
  CHECK_FALSE(routes.answer("/validate"));
  CHECK_FALSE(routes.answer("/healthz/"));
}

TEST_CASE("the endpoint serves /metrics and /healthz on a free port and 404 elsewhere") {
  int things = 3;
  runtime::HealthEndpoint endpoint("127.0.0.1:0", metricsOnly([&things] { return "up_things " + std::to_string(things) + "\n"; }));
  REQUIRE(endpoint.port() > 0);
  auto response = httpGet(endpoint.port(), "/metrics");
  CHECK(response.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(response.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(response.find("\r\n\r\nup_things 3\n") != std::string::npos);
  things = 4;
  CHECK(httpGet(endpoint.port(), "/metrics").find("up_things 4\n") != std::string::npos);
  CHECK(httpGet(endpoint.port(), "/healthz").find("\r\n\r\nok\n") != std::string::npos);
  CHECK(httpGet(endpoint.port(), "/other").rfind("HTTP/1.1 404", 0) == 0);
  CHECK(httpGet(endpoint.port(), "/readyz").rfind("HTTP/1.1 404", 0) == 0);  // the agent says nothing about readiness
}

TEST_CASE("the endpoint listens on a bracketed IPv6 address and on every address with an empty host (0.0.0.0)") {
  auto render = metricsOnly([] { return std::string("x 1\n"); });
  runtime::HealthEndpoint v6("[::1]:0", render);
  CHECK(v6.port() > 0);
  runtime::HealthEndpoint any(":0", render);
  REQUIRE(any.port() > 0);
  CHECK(httpGet(any.port(), "/healthz").find("\r\n\r\nok\n") != std::string::npos);  // reached on 127.0.0.1
}

TEST_CASE("bad endpoint addresses are refused with the address named") {
  auto render = metricsOnly([] { return std::string(); });
  CHECK_THROWS_WITH(runtime::HealthEndpoint("localhost", render), Catch::Contains("\"localhost\": expected HOST:PORT"));
  CHECK_THROWS_WITH(runtime::HealthEndpoint("127.0.0.1:http", render), Catch::Contains("port \"http\" is not a number"));
  CHECK_THROWS_WITH(runtime::HealthEndpoint("127.0.0.1:70000", render), Catch::Contains("port 70000 is above 65535"));
  CHECK_THROWS_WITH(runtime::HealthEndpoint("::1:9090", render), Catch::Contains("an IPv6 address needs brackets"));
  runtime::HealthEndpoint taken("127.0.0.1:0", render);
  CHECK_THROWS_WITH(runtime::HealthEndpoint("127.0.0.1:" + std::to_string(taken.port()), render),
                    Catch::Contains("cannot listen"));
}
