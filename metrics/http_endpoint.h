#pragma once
// A plain-HTTP endpoint serving GET /metrics (Prometheus text format) and /healthz, for components
// without an HTTPS server of their own (the NetworkPolicy agent). It runs in its own thread.
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace metrics {

class HttpEndpoint {
 public:
  // `address` is HOST:PORT (port 0 = any free port). Throws std::runtime_error when it cannot listen.
  HttpEndpoint(const std::string& address, std::function<std::string()> render);
  ~HttpEndpoint();  // stops and joins
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace metrics
