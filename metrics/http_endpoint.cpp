#include "metrics/http_endpoint.h"

#include <sys/socket.h>

#include <chrono>
#include <stdexcept>

#include <httplib.h>

namespace metrics {

HttpEndpoint::HttpEndpoint(const std::string& address, std::function<std::string()> render)
    : server_(std::make_unique<httplib::Server>()) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("metrics address \"" + address + "\": expected HOST:PORT");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    size_t used = 0;
    port = std::stoi(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    throw std::runtime_error("metrics address \"" + address + "\": bad port");
  }
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which would let a second process
  // share the port and answer half of the scrapes.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server_->Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  port_ = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) throw std::runtime_error("metrics address \"" + address + "\": cannot listen");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs: wait for it, so the destructor can always stop it.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

HttpEndpoint::~HttpEndpoint() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace metrics
