#pragma once
// The little HTTP/1.1 the webhook speaks: request heads parsed from a buffer (request line, headers,
// Content-Length bodies; no chunked bodies, which the API server never sends) and responses written as
// one buffer, so that headers and body leave in one TLS record.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace webhook {

struct HttpRequest {
  std::string method;
  std::string path;  // the target without its query
  std::string query;  // what follows the target's '?', as sent (not decoded)
  int minorVersion = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::optional<size_t> contentLength;
  bool chunked = false;         // Transfer-Encoding present (refused: not supported)
  bool keepAlive = true;        // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "keep-alive"
  bool expectContinue = false;  // "Expect: 100-continue" (curl sends it for larger bodies)
  std::string body;
  std::string remote;  // peer address, for logs

  // The value of a header (lower-case name), or "" when absent.
  const std::string& header(std::string_view lowerName) const;
};

struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  bool close = false;  // close the connection after this response
  std::string allow;   // the Allow header, which a 405 must carry (RFC 9110, 15.5.6)
};

enum class HeadStatus { Incomplete, Complete, Invalid };

// Parses the head at the start of `data` (leading empty lines are skipped, as RFC 9112 asks). On
// Complete, `consumed` is the number of bytes up to and including the blank line; on Invalid, `error`
// says why.
HeadStatus parseRequestHead(std::string_view data, HttpRequest& out, size_t& consumed, std::string& error);

// Appends the status line, headers and body of `response` to `out`; `close` adds "Connection: close".
void appendResponse(const HttpResponse& response, bool close, bool headOnly, int requestMinorVersion, std::string& out);

}  // namespace webhook
