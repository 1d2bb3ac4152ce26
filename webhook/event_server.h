#pragma once
// An event-driven HTTPS/1.1 server: one epoll loop per core, each owning its connections (non-blocking
// sockets, OpenSSL in non-blocking mode), plus a small pool of worker threads for handlers that may wait
// (on the API server). Keep-alive and pipelined requests are answered in order; every connection has a
// deadline (handshake + whole request, idle keep-alive, stalled write), so slow or hostile clients cost a
// buffer and a file descriptor, never a thread. Connections are capped (memory) below the descriptor limit,
// so a flood of them cannot starve accept, the certificate reload or the API client of descriptors: near
// the cap, handshakes get a short deadline, and at the cap the least useful connections make room.
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "webhook/http_message.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace webhook {

// Why a connection was closed early to keep descriptors for others (counted in metrics, logged).
enum class ShedReason { Evicted, Refused, HandshakeDeadline };
const char* shedReasonName(ShedReason reason);  // "evicted", "refused", "handshake_deadline"

struct EventServerOptions {
  std::string host = "0.0.0.0";
  int port = 0;                        // 0 = any free port
  int loops = 0;                       // event-loop threads; 0 = one per core
  int workers = 16;                    // threads for handlers that may block
  int idleTimeoutMs = 5000;            // an idle keep-alive connection is closed after this
  int requestTimeoutMs = 10000;        // the TLS handshake, and each request's head + body, must arrive within this
  int writeTimeoutMs = 10000;          // a client that stops reading its responses is dropped after this
  size_t maxHeaderBytes = 64 * 1024;   // request line + headers
  size_t maxBodyBytes = 3 * 1024 * 1024;
  // Client connections held at once; 0 = 2048. Never more than the descriptor limit (RLIMIT_NOFILE) allows
  // once a reserve is set aside (the descriptors open at bind(), one API connection per worker, a margin).
  size_t maxConnections = 0;
  int pressureHandshakeTimeoutMs = 1000;  // the handshake deadline while more than 3/4 of the cap is open
  // Called on an event-loop thread when connections were shed (how many, why); must be cheap, never block.
  std::function<void(ShedReason, size_t)> onShed;
};

// A handler's answer: a response now, or `slow` work run on a worker thread whose result is the response.
struct HandlerResult {
  HttpResponse response;
  std::function<HttpResponse()> slow;
};

class EventServer {
 public:
  // Called with the head only, before the body is read: a response refuses the request (and closes the
  // connection, since the body is left unread).
  using HeadCheck = std::function<std::optional<HttpResponse>(const HttpRequest&)>;
  using Handler = std::function<HandlerResult(HttpRequest&)>;

  // `ctx` must outlive the server; it decides the TLS versions and certificates.
  EventServer(EventServerOptions options, SSL_CTX* ctx, HeadCheck headCheck, Handler handler);
  ~EventServer();

  // Binds and listens; throws std::runtime_error when it cannot. Returns the port.
  int bind();
  // Serves until stop(); returns once every connection is closed (requests in flight are answered).
  void serve();
  // Stops accepting, closes idle connections, answers requests in flight with "Connection: close".
  // Safe from any thread, also before serve().
  void stop();

  size_t connectionLimit() const { return connectionLimit_; }  // the cap in force, known after bind()
  size_t openConnections() const { return open_.load(std::memory_order_relaxed); }

 private:
  class Loop;
  class Workers;
  friend class Loop;

  EventServerOptions options_;
  SSL_CTX* ctx_;
  HeadCheck headCheck_;
  Handler handler_;
  int listenFd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<unsigned> nextLoop_{0};
  size_t connectionLimit_ = 0;
  std::atomic<size_t> open_{0};  // accepted connections not yet closed, over all loops
  std::vector<std::unique_ptr<Loop>> loops_;
  std::unique_ptr<Workers> workers_;
};

}  // namespace webhook
