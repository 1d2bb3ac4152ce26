#pragma once
// A plain-HTTP endpoint serving the health and metrics routes (runtime/health_routes.h), for a daemon
// without an HTTPS server of its own (the NetworkPolicy agent). It runs in its own thread.
#include <memory>
#include <string>
#include <thread>

#include "runtime/health_routes.h"

namespace httplib {
class Server;
}

namespace runtime {

class HealthEndpoint {
 public:
  // `address` is HOST:PORT (port 0 = any free port). Throws std::runtime_error when it cannot listen.
  HealthEndpoint(const std::string& address, HealthRoutes routes);
  ~HealthEndpoint();  // stops and joins
  HealthEndpoint(const HealthEndpoint&) = delete;
  HealthEndpoint& operator=(const HealthEndpoint&) = delete;

  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace runtime
