#include <catch2/catch.hpp>

#include "webhook/http_message.h"

using webhook::HeadStatus;
using webhook::HttpRequest;
using webhook::parseRequestHead;

namespace {

HeadStatus parse(const std::string& text, HttpRequest& out, size_t* consumed = nullptr, std::string* error = nullptr) {
  size_t n = 0;
  std::string e;
  auto status = parseRequestHead(text, out, n, e);
  if (consumed) *consumed = n;
  if (error) *error = e;
  return status;
}

}  // namespace

TEST_CASE("request heads: line, headers, length, keep-alive") {
  HttpRequest r;
  size_t consumed = 0;
  const std::string head = "\r\nPOST /validate?timeout=10s HTTP/1.1\r\nHost: x\r\nContent-Type:  application/json \r\n"
                           "Content-Length: 12\r\nConnection: Keep-Alive\r\n\r\n";
  REQUIRE(parse(head + "{\"a\":1}", r, &consumed) == HeadStatus::Complete);
  CHECK(consumed == head.size());
  CHECK(r.method == "POST");
  CHECK(r.path == "/validate");
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("missing").empty());
  CHECK(r.contentLength == 12u);
  CHECK(r.keepAlive);
  CHECK_FALSE(r.expectContinue);
}

TEST_CASE("request heads: incomplete until the blank line") {
  HttpRequest r;
  CHECK(parse("GET /healthz HTTP/1.1\r\nHost: x\r\n", r) == HeadStatus::Incomplete);
  CHECK(parse("GET /healthz HTTP/1.1\nHost: x\n\n", r) == HeadStatus::Complete);  // bare LF is tolerated
}

TEST_CASE("request heads: connection semantics per version") {
  HttpRequest a, b, c;
  REQUIRE(parse("GET / HTTP/1.0\r\n\r\n", a) == HeadStatus::Complete);
  CHECK_FALSE(a.keepAlive);
  REQUIRE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", b) == HeadStatus::Complete);
  CHECK(b.keepAlive);
  REQUIRE(parse("GET / HTTP/1.1\r\nConnection: foo, close\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n", c) ==
          HeadStatus::Complete);
  CHECK_FALSE(c.keepAlive);
  CHECK(c.expectContinue);
  CHECK(c.chunked);
}

TEST_CASE("request heads: malformed input is refused") {
  for (const char* bad : {"GET\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
                          "GET / HTTP/1.1\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\n folded: x\r\n\r\n",
                          "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                          "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
                          "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
                          "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
    HttpRequest r;
    std::string error;
    INFO(bad);
    CHECK(parse(bad, r, nullptr, &error) == HeadStatus::Invalid);
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("responses are one buffer with length and connection") {
  webhook::HttpResponse r;
  r.status = 400;
  r.body = "bad\n";
  std::string out;
  webhook::appendResponse(r, true, false, 1, out);
  CHECK(out == "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbad\n");
  out.clear();
  webhook::appendResponse(r, false, true, 0, out);
  CHECK(out == "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\n");
}
