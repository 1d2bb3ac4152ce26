#include "webhook/http_message.h"

#include <cctype>

namespace webhook {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// True when the comma-separated header value lists `token` (case-insensitive).
bool listsToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (lower(trim(value.substr(0, comma))) == token) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

const char* reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

bool parseRequestLine(std::string_view line, HttpRequest& out) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1 || line.find(' ', sp2 + 1) != std::string_view::npos) return false;
  std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1), version = line.substr(sp2 + 1);
  for (char c : method)
    if (!isTokenChar(c)) return false;
  if (version == "HTTP/1.1") out.minorVersion = 1;
  else if (version == "HTTP/1.0") out.minorVersion = 0;
  else return false;
  out.method = std::string(method);
  const size_t question = target.find('?');
  out.path = std::string(target.substr(0, question));
  out.query = question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1));
  out.keepAlive = out.minorVersion == 1;
  return true;
}

}  // namespace

const std::string& HttpRequest::header(std::string_view lowerName) const {
  static const std::string kEmpty;
  for (const auto& [name, value] : headers)
    if (name == lowerName) return value;
  return kEmpty;
}

HeadStatus parseRequestHead(std::string_view data, HttpRequest& out, size_t& consumed, std::string& error) {
  size_t pos = 0;
  while (pos < data.size() && (data[pos] == '\r' || data[pos] == '\n')) ++pos;
  bool first = true;
  while (true) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return HeadStatus::Incomplete;
    std::string_view line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (first) {
      first = false;
      if (!parseRequestLine(line, out)) {
        error = "malformed request line";
        return HeadStatus::Invalid;
      }
      continue;
    }
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      error = "malformed header line";  // also obsolete line folding, which RFC 9112 lets servers refuse
      return HeadStatus::Invalid;
    }
    std::string_view rawName = line.substr(0, colon);
    for (char c : rawName)
      if (!isTokenChar(c)) {
        error = "malformed header name";
        return HeadStatus::Invalid;
      }
    std::string name = lower(rawName);
    std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-length") {
      if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string_view::npos) {
        error = "invalid Content-Length";
        return HeadStatus::Invalid;
      }
      size_t n = std::stoull(std::string(value));
      if (out.contentLength && *out.contentLength != n) {
        error = "conflicting Content-Length headers";
        return HeadStatus::Invalid;
      }
      out.contentLength = n;
    } else if (name == "transfer-encoding") {
      out.chunked = true;
    } else if (name == "connection") {
      if (listsToken(value, "close")) out.keepAlive = false;
      else if (listsToken(value, "keep-alive")) out.keepAlive = true;
    } else if (name == "expect") {
      out.expectContinue = lower(value) == "100-continue";
    }
    out.headers.emplace_back(std::move(name), std::string(value));
  }
  consumed = pos;
  return HeadStatus::Complete;
}

void appendResponse(const HttpResponse& response, bool close, bool headOnly, int requestMinorVersion, std::string& out) {
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += reason(response.status);
  out += "\r\nContent-Type: ";
  out += response.contentType;
  out += "\r\nContent-Length: ";
  out += std::to_string(response.body.size());
  if (!response.allow.empty()) out.append("\r\nAllow: ").append(response.allow);
  if (close) out += "\r\nConnection: close";
  else if (requestMinorVersion == 0) out += "\r\nConnection: keep-alive";
  out += "\r\n\r\n";
  if (!headOnly) out += response.body;
}

}  // namespace webhook
