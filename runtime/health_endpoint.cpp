#include "runtime/health_endpoint.h"

#include <sys/socket.h>

#include <chrono>
#include <stdexcept>

#include <httplib.h>

#include "runtime/host_port.h"

namespace runtime {

HealthEndpoint::HealthEndpoint(const std::string& address, HealthRoutes routes)
    : server_(std::make_unique<httplib::Server>()) {
  HostPort listen;
  try {
    listen = parseHostPort(address);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("metrics address ") + e.what());
  }
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which would let a second process
  // share the port and answer half of the scrapes.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server_->Get(".*", [routes = std::move(routes)](const httplib::Request& req, httplib::Response& res) {
    auto answer = routes.answer(req.path);
    if (!answer) {
      res.status = 404;
      return;
    }
    res.status = answer->status;
    res.set_content(answer->body, answer->contentType);
  });
  port_ = listen.port == 0 ? server_->bind_to_any_port(listen.bindHost())
                         : (server_->bind_to_port(listen.bindHost(), listen.port) ? listen.port : -1);
  if (port_ <= 0) throw std::runtime_error("metrics address \"" + address + "\": cannot listen");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs: wait for it, so the destructor can always stop it.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

HealthEndpoint::~HealthEndpoint() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace runtime
