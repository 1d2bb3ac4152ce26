#include "webhook/server.h"

#include <chrono>
#include <stdexcept>

#include <openssl/ssl.h>

#include "webhook/admission_review.h"
#include "webhook/event_server.h"
#include "webhook/request_timeout.h"
#include "runtime/log.h"

namespace webhook {

using runtime::log;
using runtime::LogLevel;
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kShedLogIntervalMs = 10000;

HttpResponse plain(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = message + "\n";
  return r;
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

SSL_CTX* newTlsContext(certs::ServingCertificate& certificate) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) throw std::runtime_error("cannot create the TLS server context");
  // TLS 1.2 is the floor the API server and every current client support.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A FIN without close_notify is a client done sending (half-close), not an attack on truncation:
  // HTTP bodies carry their length.
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_read_ahead(ctx, 1);  // one read() per burst of records instead of two per record
  certificate.installOn(ctx);
  return ctx;
}

// The API server's ?timeout= from when the request arrived, less a tenth of it for the answer to be
// written and travel back: the webhook's own waits end by then.
void setDeadline(admission::AdmissionRequest& request, const std::string& query, Clock::time_point arrived) {
  if (auto timeout = requestTimeout(query)) {
    const auto bounded = std::min<std::chrono::nanoseconds>(*timeout, std::chrono::hours(24));  // no overflow
    request.deadline = arrived + bounded - bounded / 10;
  }
}

}  // namespace

WebhookServer::WebhookServer(ServerOptions options, const admission::Validator& validator, Metrics& metrics,
                             certs::ServingCertificate& certificate, std::function<bool()> backendReady)
    : options_(std::move(options)),
      validator_(validator),
      metrics_(metrics),
      certificate_(certificate),
      backendReady_(std::move(backendReady)),
      ctx_(newTlsContext(certificate), SSL_CTX_free) {
  health_.renderMetrics = [this] {
    metrics_.openConnections.set(static_cast<double>(events_->openConnections()));
    return metrics_.render();
  };
  health_.notReadyReason = [this]() -> std::string {
    if (draining_) return "shutting down";
    return backendReady_() ? "" : "namespace cache not synced";
  };
  EventServerOptions o;
  o.host = options_.host;
  o.port = options_.port;
  o.loops = options_.loops;
  o.workers = options_.threads;
  o.idleTimeoutMs = options_.keepAliveSeconds * 1000;
  o.requestTimeoutMs = options_.requestTimeoutSeconds * 1000;
  o.writeTimeoutMs = options_.requestTimeoutSeconds * 1000;
  o.maxBodyBytes = options_.maxBodyBytes;
  o.maxConnections = options_.maxConnections;
  o.onShed = [this](ShedReason reason, size_t count) { noteShed(reason, count); };
  events_ = std::make_unique<EventServer>(
      o, ctx_.get(), [this](const HttpRequest& r) { return checkHead(r); }, [this](HttpRequest& r) { return handle(r); });
}

WebhookServer::~WebhookServer() {
  stopped_ = true;
  if (certWatcher_.joinable()) certWatcher_.join();
}

bool WebhookServer::ready() const { return !draining_ && backendReady_(); }

// Checked on the headers, before the body is read: an oversized or mistyped request costs nothing.
// A refusal closes the connection (the event server does), since the body is left unread.
std::optional<HttpResponse> WebhookServer::checkHead(const HttpRequest& req) {
  if (req.path != "/validate") return std::nullopt;
  auto refuse = [&](int status, const std::string& message) {
    metrics_.requests.inc({"/validate", std::to_string(status)});
    return plain(status, message);
  };
  if (req.method != "POST") {
    auto response = refuse(405, "only POST is allowed on /validate");
    response.allow = "POST";
    return response;
  }
  const std::string& contentType = req.header("content-type");
  if (!isJsonContentType(contentType))
    return refuse(400, "Content-Type must be application/json, got \"" + contentType + "\"");
  // 413 as upstream's webhook server (HandleValidate) answers a body over its limit.
  if (req.contentLength && *req.contentLength > options_.maxBodyBytes)
    return refuse(413, "request entity is too large; limit is " + std::to_string(options_.maxBodyBytes) + " bytes");
  return std::nullopt;
}

HandlerResult WebhookServer::handle(HttpRequest& req) {
  HandlerResult out;
  if (req.path == "/validate") {
    const auto start = Clock::now();
    auto parsed = parseAdmissionReview(req.body, true);
    if (parsed.ok) setDeadline(parsed.review.request, req.query, start);
    if (!parsed.ok) {
      out.response = plain(400, "malformed AdmissionReview: " + parsed.error);
      metrics_.requests.inc({"/validate", "400"});
      log(LogLevel::Info, "rejected malformed request", {{"error", parsed.error}, {"remote", req.remote}});
    } else if (auto triage = validator_.triage(parsed.review.request); triage.mayBlock) {
      // Waits on the API server: a worker thread answers, the event loop serves other connections.
      out.slow = [this, review = std::move(parsed.review), triage = std::move(triage), start] {
        return judge(review, triage, start);
      };
    } else {
      out.response = judge(parsed.review, triage, start);
    }
  } else if (req.method != "GET" && req.method != "HEAD") {
    out.response = plain(404, "HTTP 404");
  } else if (auto answer = health_.answer(req.path)) {
    out.response.status = answer->status;
    out.response.contentType = std::move(answer->contentType);
    out.response.body = std::move(answer->body);
    if (req.path != "/metrics") metrics_.requests.inc({req.path, std::to_string(answer->status)});
  } else {
    out.response = plain(404, "HTTP 404");
  }
  // While draining, every answer closes its connection, so that clients move to another replica and
  // idle keep-alive connections do not hold the shutdown up.
  if (draining_) out.response.close = true;
  return out;
}

HttpResponse WebhookServer::judge(const ParsedReview& review, const admission::Triage& triage,
                                  Clock::time_point start) {
  const auto& request = review.request;
  admission::AdmissionResponse response;
  try {
    response = validator_.validate(request, triage);
  } catch (const std::exception& e) {
    // A bug of ours must not crash the server: answer with an error the API server can act on.
    log(LogLevel::Error, "validation failed", {{"uid", request.uid}, {"error", e.what()}});
    response = admission::failureResponse(500, "InternalError", std::string("kguard internal error: ") + e.what());
  }
  HttpResponse out;
  out.contentType = "application/json";
  out.body = renderAdmissionReview(review.apiVersion, request.uid, response);
  out.close = draining_;
  metrics_.requests.inc({"/validate", "200"});
  metrics_.latency.observe(std::chrono::duration<double>(Clock::now() - start).count());
  if (logEnabled(LogLevel::Debug))
    log(LogLevel::Debug, "admission decision",
        {{"uid", request.uid}, {"decision", decisionOf(response)}, {"operation", request.operation},
         {"resource", request.resource.resource}, {"subresource", request.subResource},
         {"namespace", request.namespace_}, {"name", request.name}, {"user", request.username},
         {"message", response.result ? response.result->message : ""}});
  return out;
}

void WebhookServer::bind() {
  port_ = events_->bind();
  metrics_.connectionLimit.set(static_cast<double>(events_->connectionLimit()));
  if (options_.maxConnections > events_->connectionLimit())
    log(LogLevel::Warn, "--max-connections lowered to what the descriptor limit allows",
        {{"asked", std::to_string(options_.maxConnections)}, {"limit", std::to_string(events_->connectionLimit())}});
}

// Counted always; logged once per interval, so that a flood does not also flood the log.
void WebhookServer::noteShed(ShedReason reason, size_t count) {
  metrics_.connectionsShed.inc({shedReasonName(reason)}, count);
  shedSinceLog_[static_cast<int>(reason)] += count;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
  int64_t last = lastShedLogMs_.load();
  if (now - last < kShedLogIntervalMs || !lastShedLogMs_.compare_exchange_strong(last, now)) return;
  auto take = [this](ShedReason r) { return std::to_string(shedSinceLog_[static_cast<int>(r)].exchange(0)); };
  log(LogLevel::Warn, "shedding client connections: at or near the connection limit",
      {{"evicted", take(ShedReason::Evicted)}, {"refused", take(ShedReason::Refused)},
       {"handshakeDeadline", take(ShedReason::HandshakeDeadline)},
       {"open", std::to_string(events_->openConnections())},
       {"limit", std::to_string(events_->connectionLimit())},
       {"sinceMs", std::to_string(last == 0 ? 0 : now - last)}});
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
                                  {"certificate", certificate_.describe()},
                                  {"maxConnections", std::to_string(events_->connectionLimit())}});
  events_->serve();
  stopped_ = true;
  if (certWatcher_.joinable()) certWatcher_.join();
}

void WebhookServer::stop() {
  if (draining_.exchange(true)) return;
  log(LogLevel::Info, "draining", {{"graceMs", std::to_string(options_.shutdownGraceMs)}});
  std::this_thread::sleep_for(std::chrono::milliseconds(options_.shutdownGraceMs));
  events_->stop();
}

}  // namespace webhook
