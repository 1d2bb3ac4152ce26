// What a hostile or odd client can do to the event-driven server: pipelining, half-closes, slow or
// garbage input, huge headers, deep JSON, many idle connections. After each, the server must still serve.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <vector>

#include <openssl/ssl.h>

#include "running_server.h"

namespace {

using Clock = std::chrono::steady_clock;

int tcpConnect(int port, int timeoutMs = 5000) {
  std::signal(SIGPIPE, SIG_IGN);  // our writes to connections the server has closed must fail, not kill the test
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

// A TLS client on a plain blocking socket, to send exactly the bytes a test wants.
struct RawTls {
  int fd;
  SSL_CTX* ctx;
  SSL* ssl;
  explicit RawTls(int port, int timeoutMs = 5000) : fd(tcpConnect(port, timeoutMs)) {
    ctx = SSL_CTX_new(TLS_client_method());
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    REQUIRE(SSL_connect(ssl) == 1);
  }
  ~RawTls() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
  }
  void send(const std::string& bytes) { REQUIRE(SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size())) > 0); }
  // Reads until `done(buffer)` or the connection ends (or the receive timeout passes).
  std::string readUntil(const std::function<bool(const std::string&)>& done) {
    std::string in;
    char buf[16384];
    while (!done(in)) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
    }
    return in;
  }
  std::string readAll() {
    return readUntil([](const std::string&) { return false; });
  }
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string post(const std::string& body, const std::string& extraHeaders = "") {
  return "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
}

// A fresh client still gets a verdict.
void stillServes(RunningServer& s) {
  auto res = s.client()->Post("/validate", reviewFor(kPrivilegedPod), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
}

}  // namespace

TEST_CASE("pipelined requests are answered in order on one connection") {
  RunningServer s("pipeline");
  RawTls c(s.server->port());
  c.send(post(reviewFor(kPrivilegedPod, "first")) + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
         post(reviewFor(kPrivilegedPod, "third")));
  auto in = c.readUntil([](const std::string& t) { return t.find("\"third\"") != std::string::npos; });
  CHECK(count(in, "HTTP/1.1 200 OK") == 3);
  auto first = in.find("\"first\""), ok = in.find("\r\n\r\nok\n"), third = in.find("\"third\"");
  CHECK(first < ok);
  CHECK(ok < third);
  CHECK(third != std::string::npos);
  // 500 pipelined health checks in one write: all answered, none lost to buffer limits
  std::string many;
  for (int i = 0; i < 500; ++i) many += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  c.send(many);
  auto answers = c.readUntil([](const std::string& t) { return count(t, "HTTP/1.1 200 OK") >= 500; });
  CHECK(count(answers, "HTTP/1.1 200 OK") == 500);
}

TEST_CASE("a client that half-closes after its request still gets the answer") {
  RunningServer s("halfclose");
  RawTls c(s.server->port());
  c.send(post(reviewFor(kPrivilegedPod, "half")));
  ::shutdown(c.fd, SHUT_WR);  // FIN without close_notify
  auto in = c.readAll();
  CHECK(in.find("HTTP/1.1 200 OK") == 0);
  CHECK(in.find("\"half\"") != std::string::npos);
  stillServes(s);
}

TEST_CASE("slow clients are cut off at the request deadline without holding anything up") {
  RunningServer s("slowloris", 0, [](webhook::ServerOptions& o) { o.requestTimeoutSeconds = 1; });
  const auto start = Clock::now();
  RawTls slow(s.server->port());
  int silentTcp = tcpConnect(s.server->port());  // never even starts TLS
  slow.send("POST /validate HTTP/1.1\r\n");
  bool closed = false;
  for (int i = 0; i < 20 && !closed; ++i) {
    stillServes(s);  // others are served meanwhile
    std::string drip = "X-Drip-" + std::to_string(i) + ": 1\r\n";
    closed = SSL_write(slow.ssl, drip.data(), static_cast<int>(drip.size())) <= 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  char byte;
  CHECK(::recv(silentTcp, &byte, 1, 0) <= 0);  // the handshake deadline closed it too
  ::close(silentTcp);
  auto rest = slow.readAll();
  CHECK(rest.find("HTTP/1.1 200") == std::string::npos);
  CHECK(Clock::now() - start < std::chrono::seconds(4));
  stillServes(s);
}

TEST_CASE("garbage instead of TLS closes that connection only") {
  RunningServer s("garbage");
  int fd = tcpConnect(s.server->port());
  std::string junk(4096, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 7919) & 0xff);
  CHECK(::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) > 0);
  char buf[256];
  while (::recv(fd, buf, sizeof buf, 0) > 0) {
  }
  ::close(fd);
  int plain = tcpConnect(s.server->port());  // plain HTTP on the TLS port
  std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(plain, get.data(), get.size(), MSG_NOSIGNAL);
  while (::recv(plain, buf, sizeof buf, 0) > 0) {
  }
  ::close(plain);
  stillServes(s);
}

TEST_CASE("oversized headers, chunked bodies and deep JSON get clean refusals") {
  RunningServer s("refusals");
  {
    RawTls c(s.server->port());
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n");
    auto in = c.readAll();
    CHECK(in.find("HTTP/1.1 431") == 0);
    CHECK(in.find("Connection: close") != std::string::npos);
  }
  {
    RawTls c(s.server->port());
    c.send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    CHECK(c.readAll().find("HTTP/1.1 411") == 0);
  }
  {
    RawTls c(s.server->port());
    c.send("BROKEN\r\n\r\n");
    CHECK(c.readAll().find("HTTP/1.1 400") == 0);
  }
  {
    const std::string deep = std::string(20000, '[') + std::string(20000, ']');
    auto res = s.client()->Post("/validate", reviewFor(R"({"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"a":)" + deep + "}}}"),
                                "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.find("nests deeper than 200 levels") != std::string::npos);
  }
  stillServes(s);
}

TEST_CASE("Expect: 100-continue gets an interim answer before the body") {
  RunningServer s("continue");
  RawTls c(s.server->port());
  const std::string body = reviewFor(kPrivilegedPod, "cont");
  c.send("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n");
  auto interim = c.readUntil([](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; });
  CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
  c.send(body);
  auto in = c.readUntil([](const std::string& t) { return t.find("\"cont\"") != std::string::npos; });
  CHECK(in.find("HTTP/1.1 200 OK") == 0);
}

TEST_CASE("hundreds of idle keep-alive connections do not take threads from active ones") {
  RunningServer s("idle", 0, [](webhook::ServerOptions& o) { o.keepAliveSeconds = 2; });
  std::vector<std::unique_ptr<RawTls>> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<RawTls>(s.server->port()));
  const auto start = Clock::now();
  stillServes(s);
  CHECK(Clock::now() - start < std::chrono::seconds(1));
  // idle connections are closed after the keep-alive timeout
  auto closedAt = Clock::now();
  CHECK(idle.front()->readAll().empty());
  CHECK(Clock::now() - closedAt < std::chrono::seconds(4));
}

TEST_CASE("stop closes idle keep-alive connections and returns promptly") {
  auto s = std::make_unique<RunningServer>("stopidle");
  std::vector<std::unique_ptr<RawTls>> idle;
  for (int i = 0; i < 20; ++i) idle.push_back(std::make_unique<RawTls>(s->server->port()));
  stillServes(*s);
  const auto start = Clock::now();
  s.reset();  // stop() + join
  CHECK(Clock::now() - start < std::chrono::seconds(2));
  CHECK(idle.front()->readAll().empty());
}

TEST_CASE("at the connection cap, unfinished handshakes make room first, and near it they get a short deadline") {
  RunningServer s("cap", 0, [](webhook::ServerOptions& o) {
    o.maxConnections = 20;
    o.loops = 1;  // one loop holds every connection: the eviction order is exact
  });
  RawTls keptAlive(s.server->port());  // idle keep-alive, older than every handshake below
  keptAlive.send(post(reviewFor(kPrivilegedPod, "before")));
  CHECK(keptAlive.readUntil([](const std::string& t) { return t.find("\"before\"") != std::string::npos; })
            .find("HTTP/1.1 200 OK") == 0);
  std::vector<int> silent;  // connect and never start TLS
  for (int i = 0; i < 40; ++i) silent.push_back(tcpConnect(s.server->port(), 8000));
  stillServes(s);  // a newcomer gets in at the cap
  char byte;
  CHECK(::recv(silent.front(), &byte, 1, 0) == 0);  // the oldest handshake made room
  CHECK(s.metrics.connectionsShed.value({"evicted"}) >= 20);
  keptAlive.send(post(reviewFor(kPrivilegedPod, "after")));  // the idle connection was spared
  CHECK(keptAlive.readUntil([](const std::string& t) { return t.find("\"after\"") != std::string::npos; })
            .find("HTTP/1.1 200 OK") == 0);
  // More than 3/4 of the cap is open: the handshakes still open are cut after ~1 s, not the 10 s timeout.
  // Which ones are still open depends on when the server accepted them (the newest may wait in the listen
  // backlog while accepting is paused at the cap: two clean-clone CI runs saw silent.back() never cut), so
  // wait for any of them.
  std::vector<pollfd> stillOpen;
  for (int fd : silent)
    if (::recv(fd, &byte, 1, MSG_DONTWAIT) < 0) stillOpen.push_back({fd, POLLIN, 0});
  REQUIRE(!stillOpen.empty());
  REQUIRE(::poll(stillOpen.data(), stillOpen.size(), 6000) > 0);  // well before the 10 s request timeout
  bool cut = false;
  for (const auto& p : stillOpen)
    if (p.revents && ::recv(p.fd, &byte, 1, MSG_DONTWAIT) == 0) cut = true;
  CHECK(cut);
  CHECK(s.metrics.connectionsShed.value({"handshake_deadline"}) > 0);
  for (int fd : silent) ::close(fd);
  stillServes(s);
}
