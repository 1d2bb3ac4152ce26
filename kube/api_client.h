#pragma once
// A small Kubernetes API client over HTTPS (cpp-httplib + OpenSSL): plain requests and streaming
// watches. Paths are API paths with their query ("/api/v1/namespaces?limit=500").
//
// Thread safety: every call opens its own connection (one httplib client per call, no shared socket
// state), so one ApiClient may be used from any number of threads at once. The parsed TLS material
// is immutable after construction and the token cache is guarded by a mutex. The price is one TCP +
// TLS handshake per call, which is fine for kguard's traffic (lists, watches, rare GET fallbacks).
// SIGPIPE from writes to a closed connection is blocked and discarded on the calling thread during a
// call, so callers need not ignore SIGPIPE process-wide.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "kube/kubeconfig.h"

namespace kube {

struct ApiResponse {
  int status = 0;     // HTTP status, 0 when no response was received
  std::string body;   // response body (for watch: the body of a non-200 response)
  std::string error;  // transport problem ("connection refused", TLS failure, ...), "" if none

  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // "HTTP 404: <message of the Status body>" or the transport error, for logs and exceptions.
  std::string describe() const;
};

// ApiResponse::error of a request abandoned at its deadline (Go's context.DeadlineExceeded wording).
inline constexpr const char* kDeadlineExceeded = "context deadline exceeded";

struct ApiClientOptions {
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds requestTimeout{30000};  // per read/write on the socket
  // Watches are long-lived and the apiserver may stay silent for minutes (bookmarks come about once a
  // minute); this read timeout only catches dead connections. Use watch timeoutSeconds below it.
  std::chrono::milliseconds watchReadTimeout{15 * 60 * 1000};
  // client-go re-reads a token file every minute (transport.NewCachedFileTokenSource).
  std::chrono::milliseconds tokenFileRefresh{60 * 1000};
  size_t maxResponseBytes = 256u << 20;   // larger bodies fail instead of exhausting memory
  size_t maxWatchLineBytes = 64u << 20;   // one watch event
  std::string userAgent = "kguard/0.1";
};

class ApiClient {
 public:
  // Throws kube::InputError for an unusable configuration (bad server URL, malformed PEM).
  explicit ApiClient(KubeConfig config, ApiClientOptions options = {});
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  ApiResponse get(const std::string& path) const;
  // The same, abandoned (error "stopped") within ~50 ms once `stop` becomes true.
  ApiResponse get(const std::string& path, const std::atomic<bool>& stop) const;
  // The same, abandoned (error kDeadlineExceeded) at `deadline`: the webhook's lookups end before the
  // API server stops waiting for the webhook's answer.
  ApiResponse get(const std::string& path, std::chrono::steady_clock::time_point deadline) const;
  ApiResponse post(const std::string& path, const std::string& body,
                   const std::string& contentType = "application/json") const;
  ApiResponse put(const std::string& path, const std::string& body,
                  const std::string& contentType = "application/json") const;
  // Defaults to a JSON merge patch; use "application/strategic-merge-patch+json" or
  // "application/json-patch+json" as needed.
  ApiResponse patch(const std::string& path, const std::string& body,
                    const std::string& contentType = "application/merge-patch+json") const;
  ApiResponse del(const std::string& path) const;

  // Streams a watch (`path` should carry watch=1 or be a watch URL): calls onLine with each
  // newline-delimited JSON event as it arrives; onLine returns false to end the watch. Returns when the
  // server ends the stream (status 200, error ""), on an error, when onLine returned false (error
  // "canceled"), or when `stop` becomes true (error "stopped"; honoured within ~50 ms even when the
  // server sends nothing, or within connectTimeout while a connection is still being set up).
  // A non-200 answer is returned with its body and onLine is not called.
  ApiResponse watch(const std::string& path, const std::function<bool(const std::string& line)>& onLine,
                    const std::atomic<bool>& stop) const;

  const KubeConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a query parameter value (RFC 3986 unreserved characters are kept).
std::string urlEncode(const std::string& value);
// `path` with `query` appended after its own query, if it has one ("/api/v1/pods?x=1" + "limit=5").
std::string withQuery(const std::string& path, const std::string& query);

}  // namespace kube
