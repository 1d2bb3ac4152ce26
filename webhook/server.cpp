#include "webhook/server.h"

#include <chrono>
#include <stdexcept>

#include <httplib.h>
#include <openssl/ssl.h>

#include "webhook/admission_review.h"
#include "webhook/log.h"

namespace webhook {
namespace {

using Clock = std::chrono::steady_clock;

void plain(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(message + "\n", "text/plain; charset=utf-8");
}

bool isJsonContentType(const std::string& value) {
  // "application/json" with optional parameters ("; charset=utf-8"), case-insensitive type.
  std::string type = value.substr(0, value.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json";
}

std::string decisionOf(const admission::AdmissionResponse& r) {
  return r.allowed ? (r.warnings.empty() ? "allow" : "allow-with-warnings") : "deny";
}

}  // namespace

WebhookServer::WebhookServer(ServerOptions options, const admission::Validator& validator, Metrics& metrics,
                             certs::ServingCertificate& certificate, std::function<bool()> backendReady)
    : options_(std::move(options)),
      validator_(validator),
      metrics_(metrics),
      certificate_(certificate),
      backendReady_(std::move(backendReady)) {
  server_ = std::make_unique<httplib::SSLServer>([this](SSL_CTX& ctx) {
    // TLS 1.2 is the floor the API server and every current client support.
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    certificate_.installOn(&ctx);
    return true;
  });
  if (!server_->is_valid()) throw std::runtime_error("cannot create the TLS server context");
  const int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // The API server reuses connections; never close them after a few requests.
  server_->set_keep_alive_max_count(1000000);
  // cpp-httplib writes headers and body separately: without TCP_NODELAY, Nagle's algorithm holds the
  // body until the client's delayed ACK (~40 ms per request, measured in bench/webhook).
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_timeout(options_.keepAliveSeconds);
  server_->set_read_timeout(10, 0);  // a client that stops sending mid-request does not hold a thread forever
  server_->set_write_timeout(10, 0);
  server_->set_payload_max_length(options_.maxBodyBytes);
  routes();
}

WebhookServer::~WebhookServer() {
  stopped_ = true;
  if (certWatcher_.joinable()) certWatcher_.join();
}

bool WebhookServer::ready() const { return !draining_ && backendReady_(); }

void WebhookServer::routes() {
  // Checked on the headers, before the body is read: an oversized or mistyped request costs nothing.
  // The unread body would be taken for the next request on a keep-alive connection, so a refusal
  // here also closes the connection.
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path != "/validate") return httplib::Server::HandlerResponse::Unhandled;
    auto refuse = [&](int status, const std::string& message) {
      plain(res, status, message);
      res.set_header("Connection", "close");
      metrics_.requests.inc({"/validate", std::to_string(status)});
      return httplib::Server::HandlerResponse::Handled;
    };
    if (req.method != "POST") return refuse(405, "only POST is allowed on /validate");
    if (!isJsonContentType(req.get_header_value("Content-Type")))
      return refuse(400, "Content-Type must be application/json, got \"" + req.get_header_value("Content-Type") + "\"");
    if (req.has_header("Content-Length")) {
      const std::string length = req.get_header_value("Content-Length");
      char* end = nullptr;
      unsigned long long n = std::strtoull(length.c_str(), &end, 10);
      if (length.empty() || *end != '\0' || n > options_.maxBodyBytes)
        return refuse(400, "request body too large: " + length + " bytes, at most " + std::to_string(options_.maxBodyBytes));
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  server_->Post("/validate", [this](const httplib::Request& req, httplib::Response& res) {
    const auto start = Clock::now();
    auto parsed = parseAdmissionReview(req.body);
    if (!parsed.ok) {
      plain(res, 400, "malformed AdmissionReview: " + parsed.error);
      metrics_.requests.inc({"/validate", "400"});
      log(LogLevel::Info, "rejected malformed request", {{"error", parsed.error}, {"remote", req.remote_addr}});
      return;
    }
    const auto& request = parsed.review.request;
    admission::AdmissionResponse response;
    try {
      response = validator_.validate(request);
    } catch (const std::exception& e) {
      // A bug of ours must not crash the server: answer with an error the API server can act on.
      log(LogLevel::Error, "validation failed", {{"uid", request.uid}, {"error", e.what()}});
      response = admission::failureResponse(500, "InternalError", std::string("kguard internal error: ") + e.what());
    }
    res.set_content(renderAdmissionReview(parsed.review.apiVersion, request.uid, response), "application/json");
    metrics_.requests.inc({"/validate", "200"});
    metrics_.latency.observe(std::chrono::duration<double>(Clock::now() - start).count());
    if (logEnabled(LogLevel::Debug))
      log(LogLevel::Debug, "admission decision",
          {{"uid", request.uid}, {"decision", decisionOf(response)}, {"operation", request.operation},
           {"resource", request.resource.resource}, {"subresource", request.subResource},
           {"namespace", request.namespace_}, {"name", request.name}, {"user", request.username},
           {"message", response.result ? response.result->message : ""}});
  });

  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    plain(res, 200, "ok");
    metrics_.requests.inc({"/healthz", "200"});
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    bool ok = ready();
    plain(res, ok ? 200 : 503, ok ? "ok" : (draining_ ? "shutting down" : "namespace cache not synced"));
    metrics_.requests.inc({"/readyz", ok ? "200" : "503"});
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(), "text/plain; version=0.0.4");
  });
  // While draining, every answer closes its connection, so that clients move to another replica and
  // idle keep-alive connections do not hold the shutdown up.
  server_->set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
    if (draining_) res.set_header("Connection", "close");
  });
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) plain(res, res.status, "HTTP " + std::to_string(res.status));
  });
  server_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    plain(res, 500, "internal error");
  });
}

void WebhookServer::bind() {
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host.c_str());
  } else {
    port_ = server_->bind_to_port(options_.host.c_str(), options_.port) ? options_.port : -1;
  }
  if (port_ <= 0)
    throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(options_.port));
}

void WebhookServer::watchCertificate() {
  uint64_t ticks = 0;
  while (!stopped_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (++ticks * 50 < static_cast<uint64_t>(options_.certReloadIntervalMs)) continue;
    ticks = 0;
    std::string error;
    if (certificate_.reloadIfChanged(&error))
      log(LogLevel::Info, "serving certificate reloaded", {{"certificate", certificate_.describe()}});
    else if (!error.empty())
      log(LogLevel::Warn, "serving certificate changed but not loaded yet", {{"error", error}});
  }
}

void WebhookServer::serve() {
  certWatcher_ = std::thread([this] { watchCertificate(); });
  log(LogLevel::Info, "serving", {{"address", options_.host + ":" + std::to_string(port_)},
                                  {"certificate", certificate_.describe()}});
  server_->listen_after_bind();
  stopped_ = true;
  if (certWatcher_.joinable()) certWatcher_.join();
}

void WebhookServer::stop() {
  if (draining_.exchange(true)) return;
  log(LogLevel::Info, "draining", {{"graceMs", std::to_string(options_.shutdownGraceMs)}});
  std::this_thread::sleep_for(std::chrono::milliseconds(options_.shutdownGraceMs));
  server_->stop();
}

}  // namespace webhook
