// Prometheus text exposition of the metric primitives, and the plain-HTTP /metrics endpoint.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "metrics/http_endpoint.h"
#include "metrics/prometheus.h"

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

}  // namespace

TEST_CASE("counters render one sample per label set, with escaped values") {
  metrics::CounterVec c("things_total", "Things.", {"kind", "result"});
  c.inc({"a", "ok"});
  c.inc({"a", "ok"}, 2);
  c.inc({"quote\"back\\slash", "new\nline"});
  CHECK(c.value({"a", "ok"}) == 3);
  CHECK(c.value({"b", "ok"}) == 0);
  std::string out;
  c.render(out);
  CHECK(out == "# HELP things_total Things.\n# TYPE things_total counter\n"
               "things_total{kind=\"a\",result=\"ok\"} 3\n"
               "things_total{kind=\"quote\\\"back\\\\slash\",result=\"new\\nline\"} 1\n");
}

TEST_CASE("gauges hold the last value set") {
  metrics::Gauge g("pods", "Pods.");
  g.set(7);
  g.set(5);
  std::string out;
  g.render(out);
  CHECK(out == "# HELP pods Pods.\n# TYPE pods gauge\npods 5\n");
}

TEST_CASE("histogram buckets are cumulative and +Inf counts everything") {
  metrics::Histogram h("latency_seconds", "Latency.", {0.01, 0.1, 1});
  h.observe(0.005);
  h.observe(0.01);  // on the bound: le is inclusive
  h.observe(0.5);
  h.observe(30);
  std::string out;
  h.render(out);
  CHECK(out == "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n"
               "latency_seconds_bucket{le=\"0.01\"} 2\n"
               "latency_seconds_bucket{le=\"0.1\"} 2\n"
               "latency_seconds_bucket{le=\"1\"} 3\n"
               "latency_seconds_bucket{le=\"+Inf\"} 4\n"
               "latency_seconds_sum 30.515\n"
               "latency_seconds_count 4\n");
}

TEST_CASE("counts from many threads (different shards) add up") {
  metrics::CounterVec c("hits_total", "Hits.", {"path"});
  metrics::Histogram h("t_seconds", "T.", {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        c.inc({"/validate"});
        h.observe(i % 2 ? 0.1 : 0.9);
      }
    });
  for (auto& t : threads) t.join();
  CHECK(c.value({"/validate"}) == 12000);
  CHECK(h.count() == 12000);
  std::string out;
  h.render(out);
  CHECK(out.find("t_seconds_bucket{le=\"0.5\"} 6000\n") != std::string::npos);
  CHECK(out.find("t_seconds_sum 6000\n") != std::string::npos);
}

TEST_CASE("the endpoint serves /metrics and /healthz on a free port and 404 elsewhere") {
  metrics::Gauge g("up_things", "Things up.");
  g.set(3);
  metrics::HttpEndpoint endpoint("127.0.0.1:0", [&g] {
    std::string out;
    g.render(out);
    return out;
  });
  REQUIRE(endpoint.port() > 0);
  auto response = httpGet(endpoint.port(), "/metrics");
  CHECK(response.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(response.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(response.find("\r\n\r\n# HELP up_things Things up.\n# TYPE up_things gauge\nup_things 3\n") != std::string::npos);
  g.set(4);
  CHECK(httpGet(endpoint.port(), "/metrics").find("up_things 4\n") != std::string::npos);
  CHECK(httpGet(endpoint.port(), "/healthz").find("\r\n\r\nok\n") != std::string::npos);
  CHECK(httpGet(endpoint.port(), "/other").rfind("HTTP/1.1 404", 0) == 0);
}

TEST_CASE("the endpoint listens on a bracketed IPv6 address and on every address with an empty host (0.0.0.0)") {
  auto render = [] { return std::string("x 1\n"); };
  metrics::HttpEndpoint v6("[::1]:0", render);
  CHECK(v6.port() > 0);
  metrics::HttpEndpoint any(":0", render);
  REQUIRE(any.port() > 0);
  CHECK(httpGet(any.port(), "/healthz").find("\r\n\r\nok\n") != std::string::npos);  // reached on 127.0.0.1
}

TEST_CASE("bad endpoint addresses are refused with the address named") {
  auto render = [] { return std::string(); };
  CHECK_THROWS_WITH(metrics::HttpEndpoint("localhost", render), Catch::Contains("\"localhost\": expected HOST:PORT"));
  CHECK_THROWS_WITH(metrics::HttpEndpoint("127.0.0.1:http", render), Catch::Contains("port \"http\" is not a number"));
  CHECK_THROWS_WITH(metrics::HttpEndpoint("127.0.0.1:70000", render), Catch::Contains("port 70000 is above 65535"));
  CHECK_THROWS_WITH(metrics::HttpEndpoint("::1:9090", render), Catch::Contains("an IPv6 address needs brackets"));
  metrics::HttpEndpoint taken("127.0.0.1:0", render);
  CHECK_THROWS_WITH(metrics::HttpEndpoint("127.0.0.1:" + std::to_string(taken.port()), render),
                    Catch::Contains("cannot listen"));
}
