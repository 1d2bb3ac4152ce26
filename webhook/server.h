#pragma once
// The HTTPS admission server: POST /validate (AdmissionReview v1/v1beta1), and the daemons' GET /healthz,
// /readyz, /metrics (runtime/health_routes.h). TLS 1.2+, keep-alive connections served concurrently, bodies capped, every bad request
// answered with 400 and a message, certificates reloaded without a restart, SIGTERM drains.
// The transport is webhook/event_server.h; this file is the webhook's routes and TLS policy.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "certs/serving_certificate.h"
#include "runtime/health_routes.h"
#include "webhook/admission/validator.h"
#include "webhook/metrics.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace webhook {

class EventServer;
struct HttpRequest;
struct HttpResponse;
struct HandlerResult;
struct ParsedReview;
enum class ShedReason;

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8443;  // 0 = any free port (tests)
  size_t maxBodyBytes = 3 * 1024 * 1024;  // the API server's own request limit for admission is 3 MiB
  int threads = 64;                       // for requests that wait on the API server (namespace lookups)
  int loops = 0;                          // event loops serving connections; 0 = one per core
  // Idle keep-alive connections are closed after this. Longer than the API server's own idle timeout
  // (90 s, Go's http.DefaultTransport through k8s.io/apimachinery's SetTransportDefaults), so the API
  // server closes idle connections first: it keeps its pool warm across bursts instead of paying a TLS
  // handshake per new connection, and never sends a review on a connection we are closing (Go does
  // not retry a POST then; the review would fail closed).
  int keepAliveSeconds = 120;
  int requestTimeoutSeconds = 10;         // handshake, and each request's head + body, must arrive within this
  size_t maxConnections = 0;              // 0 = 2048, lowered to what the descriptor limit allows (event_server.h)
  int certReloadIntervalMs = 1000;
  int shutdownGraceMs = 2000;             // not ready, still serving, before the listener closes
};

class WebhookServer {
 public:
  WebhookServer(ServerOptions options, const admission::Validator& validator, Metrics& metrics,
                certs::ServingCertificate& certificate, std::function<bool()> backendReady);
  ~WebhookServer();

  // Binds the listener; throws std::runtime_error when it cannot.
  void bind();
  int port() const { return port_; }
  // Serves until stop(); returns when every in-flight request has been answered.
  void serve();
  // Drain: /readyz turns 503 at once, requests keep being served for shutdownGraceMs (each answer
  // closing its connection), then the listener closes and serve() returns after in-flight requests
  // finish. Safe from any thread.
  void stop();

  bool ready() const;

 private:
  std::optional<HttpResponse> checkHead(const HttpRequest& request);
  HandlerResult handle(HttpRequest& request);
  HttpResponse judge(const ParsedReview& review, const admission::Triage& triage,
                     std::chrono::steady_clock::time_point start);
  void watchCertificate();
  void noteShed(ShedReason reason, size_t count);

  ServerOptions options_;
  const admission::Validator& validator_;
  Metrics& metrics_;
  certs::ServingCertificate& certificate_;
  std::function<bool()> backendReady_;
  runtime::HealthRoutes health_;  // /healthz, /readyz, /metrics
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx_;
  std::unique_ptr<EventServer> events_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
  std::thread certWatcher_;
  // Shed connections are logged at most once per kShedLogIntervalMs, with the counts since the last line.
  std::atomic<int64_t> lastShedLogMs_{0};
  std::atomic<uint64_t> shedSinceLog_[3] = {};
  int port_ = 0;
};

}  // namespace webhook
