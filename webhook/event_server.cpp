#include "webhook/event_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "webhook/cpu_budget.h"

namespace webhook {
namespace {

int64_t nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

constexpr uint64_t kListenerTag = 0;
constexpr uint64_t kWakeTag = 1;
constexpr int kSweepMs = 200;
constexpr int kLingerMs = 2000;                // after a closing response, unread input is drained this long
constexpr size_t kMaxPendingOutput = 1 << 20;  // pipelined requests wait while this much output is unsent
constexpr int64_t kNever = INT64_MAX;
constexpr size_t kReusedBodyCapacity = 64 * 1024;  // a connection keeps its body buffer up to this size
// Descriptors kept free beyond the ones open at bind() and one per worker (an API-server connection for a
// namespace lookup or pod list): the namespace watch, the certificate reload (two files), DNS, and the
// accepted connections on their way to another loop at the cap (kAcceptBatchAtCap per loop).
constexpr size_t kSpareDescriptors = 32;
constexpr int kAcceptBatchAtCap = 8;  // accepts per wake-up at the connection cap
constexpr size_t kMinConnections = 16;
// The default cap when descriptors allow more (containers often get 1048576): memory. A connection costs
// ~10 KB before its ClientHello and ~47 KB after (TLS buffers; measured with 4,000 of each), so 2,048 of
// them stay near 100 MB, well inside the Deployment's 256Mi; API servers need far fewer.
constexpr size_t kDefaultMaxConnections = 2048;  // even when the descriptor limit leaves less (then EMFILE is handled)

size_t openDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 16;
  size_t n = 0;
  while (readdir(dir)) ++n;
  closedir(dir);
  return n > 3 ? n - 3 : 0;  // ".", ".." and the directory's own descriptor
}

// The cap on client connections: the one asked for (or the default), never more than RLIMIT_NOFILE
// leaves once the reserve is set aside.
size_t connectionCap(const EventServerOptions& o) {
  rlimit limit{};
  size_t soft = SIZE_MAX;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) soft = limit.rlim_cur;
  const size_t reserve = openDescriptors() + static_cast<size_t>(std::max(0, o.workers)) + kSpareDescriptors;
  const size_t derived = soft > reserve + kMinConnections ? soft - reserve : kMinConnections;
  return std::min(o.maxConnections > 0 ? o.maxConnections : kDefaultMaxConnections, derived);
}

std::string peerAddress(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
    port = ntohs(a.sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

HttpResponse plainResponse(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = message + "\n";
  r.close = true;
  return r;
}

// One client connection, owned by one loop.
struct Connection {
  uint64_t id = 0;
  int fd = -1;
  SSL* ssl = nullptr;
  std::string remote;
  std::string in;  // decrypted input; requests start at inPos
  size_t inPos = 0;
  std::string out;  // responses not yet written; from outPos
  size_t outPos = 0;
  bool haveHead = false;  // `request` holds a parsed head whose body starts at bodyStart
  HttpRequest request;
  size_t bodyStart = 0;
  bool busy = false;  // a worker is answering the current request; later ones wait (pipelining order)
  bool busyClose = false, busyHeadOnly = false;
  int busyMinor = 1;
  bool closeAfterFlush = false;  // the last response said "Connection: close"
  bool peerEof = false;          // the client will send nothing more
  bool failed = false;           // TLS or socket error: drop without a word
  bool lingering = false;        // closing: draining unread input so that the client gets our answer, not a reset
  bool readWantsWrite = false, writeWantsRead = false, writeBlocked = false;
  bool flushQueued = false;  // in the loop's pendingFlush_
  bool requestTimer = true;  // a handshake or a request is under way since requestStart
  int64_t requestStart = 0, lastWrite = 0, deadline = 0;
  uint32_t events = 0;

  size_t buffered() const { return in.size() - inPos; }
  size_t pendingOut() const { return out.size() - outPos; }
};

// Which connections go first when descriptors run short (lower first; oldest first within a rank): no
// complete ClientHello yet (what an idle flood or a slowloris handshake holds), closing, handshake under
// way (a client that may be slow to answer, e.g. busy, but is doing its part), idle keep-alive, ...
enum SheddingRank { kNoHello, kClosing, kHandshaking, kIdle, kReceiving, kStalledWrite, kNeverShed };

SheddingRank sheddingRank(const Connection& c) {
  if (c.busy) return kNeverShed;  // a request is being answered: never cut
  if (c.lingering) return kClosing;
  if (!SSL_is_init_finished(c.ssl)) {
    const OSSL_HANDSHAKE_STATE state = SSL_get_state(c.ssl);
    return state == TLS_ST_BEFORE || state == TLS_ST_SR_CLNT_HELLO ? kNoHello : kHandshaking;
  }
  if (c.pendingOut() > 0) return kStalledWrite;
  if (c.haveHead || c.buffered() > 0) return kReceiving;
  return kIdle;
}

// Handshakes and requests by their start; closing, idle and writing connections by their deadline,
// which moves with their last activity.
int64_t sheddingAge(const Connection& c, SheddingRank rank) {
  return rank == kNoHello || rank == kHandshaking || rank == kReceiving ? c.requestStart : c.deadline;
}

}  // namespace

const char* shedReasonName(ShedReason reason) {
  switch (reason) {
    case ShedReason::Evicted: return "evicted";
    case ShedReason::Refused: return "refused";
    case ShedReason::HandshakeDeadline: return "handshake_deadline";
  }
  return "unknown";
}

// Threads for handlers that may block: a plain queue, results go back to the connection's loop.
class EventServer::Workers {
 public:
  explicit Workers(int count) {
    for (int i = 0; i < std::max(1, count); ++i) threads_.emplace_back([this] { run(); });
  }
  ~Workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return done_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool done_ = false;
  std::vector<std::thread> threads_;
};

class EventServer::Loop {
 public:
  explicit Loop(EventServer& server) : server_(server) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epfd_ < 0 || wakeFd_ < 0) throw std::runtime_error(std::string("epoll: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeTag;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, wakeFd_, &ev);
  }
  ~Loop() {
    for (auto& [id, c] : conns_) release(*c);
    for (auto& [fd, remote] : handed_) ::close(fd);
    ::close(epfd_);
    ::close(wakeFd_);
  }

  void start() { thread_ = std::thread([this] { run(); }); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  void wake() {
    uint64_t one = 1;
    if (::write(wakeFd_, &one, sizeof one) < 0) { /* already signalled */ }
  }
  // From another loop's accept: this loop takes the connection.
  void handOver(int fd, std::string remote) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      handed_.emplace_back(fd, std::move(remote));
    }
    wake();
  }
  // From a worker: the response to connection `id`'s current request.
  void complete(uint64_t id, HttpResponse response) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      completed_.emplace_back(id, std::move(response));
    }
    wake();
  }

 private:
  void run();
  void listen(bool on);
  void acceptAll();
  void adopt(int fd, std::string remote);
  void closeUnadopted(int fd);
  bool shedOne();
  bool evict(uint64_t id);
  void reportShed(ShedReason reason, size_t count = 1);
  bool underPressure() const;
  void drainInbox();
  void service(Connection& c);
  void finish(Connection& c);
  void flushPending();
  bool canRead(const Connection& c) const;
  void readTls(Connection& c);
  void processRequests(Connection& c);
  void dispatch(Connection& c);
  void respond(Connection& c, const HttpResponse& response, bool close, bool headOnly, int minor);
  void flush(Connection& c);
  void startLinger(Connection& c);
  void lingerRead(Connection& c);
  void updateInterest(Connection& c);
  void updateDeadline(Connection& c);
  void destroy(uint64_t id);
  void release(Connection& c);
  void sweep();
  void beginStop();
  static bool idle(const Connection& c) {
    return !c.busy && !c.haveHead && c.buffered() == 0 && c.pendingOut() == 0 && !c.lingering;
  }

  EventServer& server_;
  int epfd_ = -1, wakeFd_ = -1;
  std::thread thread_;
  std::mutex mutex_;  // guards handed_ and completed_
  std::vector<std::pair<int, std::string>> handed_;
  std::vector<std::pair<uint64_t, HttpResponse>> completed_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  std::vector<uint64_t> pendingFlush_;  // connections with responses to write at the end of this iteration
  std::deque<uint64_t> helloQueue_;     // adopted connections, oldest first, until shed or seen past their ClientHello
  uint64_t nextId_ = 2;
  bool listening_ = false;
  int64_t resumeAcceptAt_ = 0;
  bool stopSeen_ = false;
};

void EventServer::Loop::run() {
  // A client that hangs up makes a write raise SIGPIPE in the writing thread; the error code is enough.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  listen(true);
  epoll_event events[64];
  int64_t nextSweep = nowMs() + kSweepMs;
  for (;;) {
    if (server_.stopping_.load() && !stopSeen_) beginStop();
    if (stopSeen_ && conns_.empty()) break;
    int timeout = static_cast<int>(std::max<int64_t>(0, nextSweep - nowMs()));
    int n = epoll_wait(epfd_, events, 64, timeout);
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kListenerTag) {
        acceptAll();
      } else if (tag == kWakeTag) {
        uint64_t count;
        if (::read(wakeFd_, &count, sizeof count) < 0) { /* spurious */ }
        drainInbox();
      } else {
        auto it = conns_.find(tag);
        if (it == conns_.end()) continue;
        // An error or hang-up while we are not reading (busy, flushing) ends the connection here.
        if ((events[i].events & (EPOLLERR | EPOLLHUP)) && !(events[i].events & EPOLLIN)) {
          destroy(tag);
          continue;
        }
        service(*it->second);
      }
    }
    flushPending();
    if (nowMs() >= nextSweep) {
      sweep();
      nextSweep = nowMs() + kSweepMs;
    }
  }
  listen(false);
}

void EventServer::Loop::listen(bool on) {
  if (on == listening_) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;  // one loop wakes per new connection, not all of them
  ev.data.u64 = kListenerTag;
  epoll_ctl(epfd_, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, server_.listenFd_, &ev);
  listening_ = on;
}

void EventServer::Loop::acceptAll() {
  for (int i = 0; i < 64; ++i) {
    // At the cap, a few at a time: each newcomer makes room in the loop that adopts it, so only those
    // on their way to another loop are over the cap (back to epoll; the listener is still readable).
    if (i >= kAcceptBatchAtCap && server_.open_.load(std::memory_order_relaxed) >= server_.connectionLimit_) return;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = accept4(server_.listenFd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors although the cap keeps a reserve (others used it): give one back and
        // pause accepting, so that the next accept does not take it again.
        shedOne();
        listen(false);
        resumeAcceptAt_ = nowMs() + 100;
      }
      return;
    }
    server_.open_.fetch_add(1, std::memory_order_relaxed);
    // Round robin over the loops, so that both cores get connections however they arrive.
    auto& loops = server_.loops_;
    Loop* target = loops[server_.nextLoop_++ % loops.size()].get();
    if (target == this) adopt(fd, peerAddress(addr));
    else target->handOver(fd, peerAddress(addr));
  }
}

void EventServer::Loop::closeUnadopted(int fd) {
  ::close(fd);
  server_.open_.fetch_sub(1, std::memory_order_relaxed);
}

void EventServer::Loop::adopt(int fd, std::string remote) {
  if (stopSeen_) {
    closeUnadopted(fd);
    return;
  }
  // Over the cap: an older, less useful connection of this loop makes room (round robin gives every loop
  // its share of newcomers, so every loop holds its share of the flood to shed). If none can go, the
  // newcomer does.
  if (server_.open_.load(std::memory_order_relaxed) > server_.connectionLimit_ && !shedOne()) {
    reportShed(ShedReason::Refused);
    closeUnadopted(fd);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SSL* ssl = SSL_new(server_.ctx_);
  if (!ssl || SSL_set_fd(ssl, fd) != 1) {
    if (ssl) SSL_free(ssl);
    closeUnadopted(fd);
    ERR_clear_error();
    return;
  }
  SSL_set_accept_state(ssl);
  auto c = std::make_unique<Connection>();
  c->id = nextId_++;
  c->fd = fd;
  c->ssl = ssl;
  c->remote = std::move(remote);
  c->requestStart = nowMs();
  c->deadline = c->requestStart + server_.options_.requestTimeoutMs;
  c->events = EPOLLIN;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = c->id;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  helloQueue_.push_back(c->id);
  conns_.emplace(c->id, std::move(c));
}

// Closes this loop's least useful connection (lowest sheddingRank, oldest first); false when every one is
// answering a request. A flood's connections (no ClientHello) are found in adoption order, without a scan.
bool EventServer::Loop::shedOne() {
  while (!helloQueue_.empty()) {
    const uint64_t id = helloQueue_.front();
    helloQueue_.pop_front();  // gone, or past its ClientHello for good
    auto it = conns_.find(id);
    if (it != conns_.end() && sheddingRank(*it->second) == kNoHello) return evict(id);
  }
  const Connection* victim = nullptr;
  std::tuple<SheddingRank, int64_t, uint64_t> victimKey;
  for (const auto& [id, c] : conns_) {
    const SheddingRank rank = sheddingRank(*c);
    if (rank == kNeverShed) continue;
    const auto key = std::make_tuple(rank, sheddingAge(*c, rank), id);  // ids grow with time
    if (!victim || key < victimKey) {
      victim = c.get();
      victimKey = key;
    }
  }
  return victim && evict(victim->id);
}

bool EventServer::Loop::evict(uint64_t id) {
  reportShed(ShedReason::Evicted);  // counted before the peer can see it
  destroy(id);
  return true;
}

void EventServer::Loop::reportShed(ShedReason reason, size_t count) {
  if (count > 0 && server_.options_.onShed) server_.options_.onShed(reason, count);
}

bool EventServer::Loop::underPressure() const {
  return server_.open_.load(std::memory_order_relaxed) * 4 > server_.connectionLimit_ * 3;
}

void EventServer::Loop::drainInbox() {
  std::vector<std::pair<int, std::string>> handed;
  std::vector<std::pair<uint64_t, HttpResponse>> completed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    handed.swap(handed_);
    completed.swap(completed_);
  }
  for (auto& [fd, remote] : handed) adopt(fd, std::move(remote));
  for (auto& [id, response] : completed) {
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;  // the client left while its request was being answered
    Connection& c = *it->second;
    c.busy = false;
    respond(c, response, c.busyClose, c.busyHeadOnly, c.busyMinor);
    service(c);
  }
}

bool EventServer::Loop::canRead(const Connection& c) const {
  const auto& o = server_.options_;
  return !c.busy && !c.closeAfterFlush && !c.peerEof && !c.lingering && c.pendingOut() < kMaxPendingOutput &&
         c.buffered() < o.maxHeaderBytes + o.maxBodyBytes;
}

void EventServer::Loop::service(Connection& c) {
  if (c.lingering) {
    lingerRead(c);
    return;
  }
  if (canRead(c)) readTls(c);
  if (!c.failed) processRequests(c);
  if (c.failed) {
    destroy(c.id);
    return;
  }
  // Responses are written once every ready connection has been served (flushPending): the client gets
  // several answers per wake-up instead of one, as with Redis's write-before-sleep.
  if (c.pendingOut() > 0 || c.flushQueued) {
    if (!c.flushQueued) pendingFlush_.push_back(c.id);
    c.flushQueued = true;
    return;
  }
  finish(c);
}

void EventServer::Loop::flushPending() {
  std::vector<uint64_t> ids;
  ids.swap(pendingFlush_);
  for (uint64_t id : ids) {
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    it->second->flushQueued = false;
    finish(*it->second);
  }
}

void EventServer::Loop::finish(Connection& c) {
  for (int round = 0; round < 16; ++round) {
    flush(c);
    if (c.failed) {
      destroy(c.id);
      return;
    }
    // Reading stops at the buffer limits; input OpenSSL already holds raises no epoll event, so go on
    // here once writing has made room.
    if (!canRead(c) || !SSL_has_pending(c.ssl)) break;
    readTls(c);
    if (!c.failed) processRequests(c);
    if (c.failed) {
      destroy(c.id);
      return;
    }
  }
  if (!c.busy && c.pendingOut() == 0) {
    if (c.closeAfterFlush) {
      startLinger(c);
      return;
    }
    if (c.peerEof) {  // answered everything the client sent; it will send nothing more
      destroy(c.id);
      return;
    }
    if (stopSeen_ && idle(c)) {
      destroy(c.id);
      return;
    }
  }
  updateDeadline(c);
  updateInterest(c);
}

void EventServer::Loop::readTls(Connection& c) {
  char buf[16 * 1024];
  while (canRead(c)) {
    size_t n = 0;
    ERR_clear_error();
    int r = SSL_read_ex(c.ssl, buf, sizeof buf, &n);
    c.readWantsWrite = false;
    if (r == 1) {
      c.in.append(buf, n);
      // With read-ahead OpenSSL took everything the socket had; more raises a new epoll event.
      if (!SSL_has_pending(c.ssl)) return;
      continue;
    }
    int err = SSL_get_error(c.ssl, r);
    if (err == SSL_ERROR_WANT_READ) return;
    if (err == SSL_ERROR_WANT_WRITE) {  // a handshake message waits for room in the socket
      c.readWantsWrite = true;
      return;
    }
    if (err == SSL_ERROR_ZERO_RETURN) {  // close_notify, or a plain FIN (SSL_OP_IGNORE_UNEXPECTED_EOF)
      c.peerEof = true;
      return;
    }
    ERR_clear_error();  // not TLS, a failed handshake, a reset: nothing more to say to this peer
    c.failed = true;
    return;
  }
}

void EventServer::Loop::processRequests(Connection& c) {
  const auto& o = server_.options_;
  auto refuse = [&](int status, const std::string& message) {
    respond(c, plainResponse(status, message), true, false, 1);
  };
  while (!c.busy && !c.closeAfterFlush && c.pendingOut() < kMaxPendingOutput) {
    if (!c.haveHead) {
      if (c.buffered() == 0) return;
      HttpRequest request;
      size_t consumed = 0;
      std::string error;
      const std::string_view data(c.in.data() + c.inPos, std::min(c.buffered(), o.maxHeaderBytes + 1));
      const HeadStatus status = parseRequestHead(data, request, consumed, error);
      if (status == HeadStatus::Incomplete) {
        if (c.buffered() > o.maxHeaderBytes) refuse(431, "request headers larger than " + std::to_string(o.maxHeaderBytes) + " bytes");
        return;
      }
      if (status == HeadStatus::Invalid) return refuse(400, "bad request: " + error);
      if (request.chunked) return refuse(411, "chunked request bodies are not supported: send Content-Length");
      request.remote = c.remote;
      std::optional<HttpResponse> refusal;
      try {
        refusal = server_.headCheck_(request);
      } catch (const std::exception&) {
        refusal = plainResponse(500, "internal error");
      }
      if (refusal) return respond(c, *refusal, true, request.method == "HEAD", request.minorVersion);
      if (request.contentLength.value_or(0) > o.maxBodyBytes)
        return refuse(413, "request body larger than " + std::to_string(o.maxBodyBytes) + " bytes");
      // The previous body's buffer is reused (no allocation per request), unless a large body grew it.
      if (c.request.body.capacity() <= kReusedBodyCapacity) request.body = std::move(c.request.body);
      c.request = std::move(request);
      c.haveHead = true;
      c.bodyStart = c.inPos + consumed;
      if (c.request.expectContinue && c.in.size() - c.bodyStart < c.request.contentLength.value_or(0))
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
    }
    const size_t need = c.request.contentLength.value_or(0);
    if (c.in.size() - c.bodyStart < need) return;
    // Spare capacity lets a parser that reads whole 64-byte blocks (simdjson) use the body in place.
    c.request.body.reserve(need + 64);
    c.request.body.assign(c.in, c.bodyStart, need);
    c.inPos = c.bodyStart + need;
    c.haveHead = false;
    c.requestTimer = false;
    if (c.inPos == c.in.size()) {
      c.in.clear();
      c.inPos = 0;
    } else if (c.inPos > 64 * 1024) {
      c.in.erase(0, c.inPos);
      c.inPos = 0;
    }
    dispatch(c);
  }
}

void EventServer::Loop::dispatch(Connection& c) {
  HttpRequest& request = c.request;
  const bool headOnly = request.method == "HEAD";
  const bool close = !request.keepAlive;
  HandlerResult result;
  try {
    result = server_.handler_(request);
  } catch (const std::exception&) {
    result.response = plainResponse(500, "internal error");
    result.response.close = false;
  }
  if (!result.slow) return respond(c, result.response, close, headOnly, request.minorVersion);
  c.busy = true;
  c.busyClose = close;
  c.busyHeadOnly = headOnly;
  c.busyMinor = request.minorVersion;
  Loop* self = this;
  server_.workers_->submit([self, id = c.id, slow = std::move(result.slow)] {
    HttpResponse response;
    try {
      response = slow();
    } catch (const std::exception&) {
      response = plainResponse(500, "internal error");
      response.close = false;
    }
    self->complete(id, std::move(response));
  });
}

void EventServer::Loop::respond(Connection& c, const HttpResponse& response, bool close, bool headOnly, int minor) {
  close = close || response.close || server_.stopping_.load();
  appendResponse(response, close, headOnly, minor, c.out);
  if (close) c.closeAfterFlush = true;
}

void EventServer::Loop::flush(Connection& c) {
  while (c.pendingOut() > 0) {
    size_t n = 0;
    ERR_clear_error();
    int r = SSL_write_ex(c.ssl, c.out.data() + c.outPos, c.pendingOut(), &n);
    if (r == 1) {
      c.outPos += n;
      c.lastWrite = nowMs();
      continue;
    }
    int err = SSL_get_error(c.ssl, r);
    c.writeBlocked = err == SSL_ERROR_WANT_WRITE;
    c.writeWantsRead = err == SSL_ERROR_WANT_READ;
    if (!c.writeBlocked && !c.writeWantsRead) {
      ERR_clear_error();
      c.failed = true;
    }
    return;
  }
  c.out.clear();
  c.outPos = 0;
  c.writeBlocked = c.writeWantsRead = false;
}

void EventServer::Loop::startLinger(Connection& c) {
  ERR_clear_error();
  SSL_shutdown(c.ssl);  // close_notify, best effort
  ERR_clear_error();
  ::shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  c.deadline = nowMs() + kLingerMs;
  updateInterest(c);
  lingerRead(c);
}

// Reads and drops raw input until the client closes: closing with unread input would send a reset,
// which can destroy our last response before the client reads it (e.g. a refused 3 MiB upload).
void EventServer::Loop::lingerRead(Connection& c) {
  char buf[16 * 1024];
  for (int i = 0; i < 16; ++i) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    destroy(c.id);
    return;
  }
}

void EventServer::Loop::updateInterest(Connection& c) {
  uint32_t want = 0;
  if (c.lingering || canRead(c) || c.writeWantsRead) want |= EPOLLIN;
  if (!c.lingering && (c.writeBlocked || c.readWantsWrite)) want |= EPOLLOUT;
  if (want == c.events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
  c.events = want;
}

void EventServer::Loop::updateDeadline(Connection& c) {
  const auto& o = server_.options_;
  const int64_t now = nowMs();
  if (c.busy) {
    c.deadline = kNever;  // the worker answers; lookups have their own timeouts
  } else if (c.pendingOut() > 0) {
    c.deadline = std::max(c.lastWrite, c.requestStart) + o.writeTimeoutMs;
  } else if (!SSL_is_init_finished(c.ssl) || c.haveHead || c.buffered() > 0) {
    // Handshake and request have one deadline from their first byte: dripping bytes does not extend it.
    if (!c.requestTimer) {
      c.requestTimer = true;
      c.requestStart = now;
    }
    c.deadline = c.requestStart + o.requestTimeoutMs;
  } else {
    c.requestTimer = false;
    c.deadline = now + o.idleTimeoutMs;
  }
}

void EventServer::Loop::release(Connection& c) {
  SSL_free(c.ssl);
  ::close(c.fd);
  server_.open_.fetch_sub(1, std::memory_order_relaxed);
}

void EventServer::Loop::destroy(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  epoll_ctl(epfd_, EPOLL_CTL_DEL, it->second->fd, nullptr);
  release(*it->second);
  conns_.erase(it);
}

void EventServer::Loop::sweep() {
  const int64_t now = nowMs();
  // Near the cap, a handshake has a short deadline: a client that connects and sends nothing (or a
  // ClientHello by the byte) holds a descriptor for a second, not for the whole request timeout.
  const bool pressure = underPressure();
  const int64_t handshakeCutoff = now - server_.options_.pressureHandshakeTimeoutMs;
  std::vector<uint64_t> expired, cut;
  for (const auto& [id, c] : conns_) {
    if (c->deadline <= now || (stopSeen_ && idle(*c))) expired.push_back(id);
    else if (pressure && !SSL_is_init_finished(c->ssl) && !c->lingering && c->requestStart <= handshakeCutoff)
      cut.push_back(id);
  }
  reportShed(ShedReason::HandshakeDeadline, cut.size());
  for (uint64_t id : expired) destroy(id);
  for (uint64_t id : cut) destroy(id);
  // Without shedding nothing pops the queue: drop what is no longer waiting for a ClientHello.
  if (helloQueue_.size() > 2 * conns_.size() + 64) {
    std::deque<uint64_t> waiting;
    for (uint64_t id : helloQueue_) {
      auto it = conns_.find(id);
      if (it != conns_.end() && sheddingRank(*it->second) == kNoHello) waiting.push_back(id);
    }
    helloQueue_.swap(waiting);
  }
  if (!listening_ && !stopSeen_ && resumeAcceptAt_ && now >= resumeAcceptAt_) {
    resumeAcceptAt_ = 0;
    listen(true);
  }
}

void EventServer::Loop::beginStop() {
  stopSeen_ = true;
  listen(false);
  drainInbox();
  flushPending();
  std::vector<uint64_t> idleIds;
  for (const auto& [id, c] : conns_)
    if (idle(*c)) idleIds.push_back(id);
  for (uint64_t id : idleIds) destroy(id);
}

EventServer::EventServer(EventServerOptions options, SSL_CTX* ctx, HeadCheck headCheck, Handler handler)
    : options_(std::move(options)), ctx_(ctx), headCheck_(std::move(headCheck)), handler_(std::move(handler)) {}

EventServer::~EventServer() {
  loops_.clear();
  if (listenFd_ >= 0) ::close(listenFd_);
}

int EventServer::bind() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  if (getaddrinfo(options_.host.empty() ? nullptr : options_.host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
    throw std::runtime_error("cannot resolve " + options_.host);
  std::string error = "no address";
  for (addrinfo* a = found; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
      listenFd_ = fd;
      break;
    }
    error = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  if (listenFd_ < 0) throw std::runtime_error("cannot listen on " + options_.host + ":" + port + ": " + error);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
  int bound = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port);
  int count = options_.loops > 0 ? options_.loops : usableCpus();
  for (int i = 0; i < count; ++i) loops_.push_back(std::make_unique<Loop>(*this));
  connectionLimit_ = connectionCap(options_);
  return bound;
}

void EventServer::serve() {
  if (loops_.empty()) throw std::logic_error("EventServer::serve before bind");
  workers_ = std::make_unique<Workers>(options_.workers);
  for (auto& loop : loops_) loop->start();
  for (auto& loop : loops_) loop->join();
  workers_.reset();
}

void EventServer::stop() {
  stopping_ = true;
  for (auto& loop : loops_) loop->wake();
}

}  // namespace webhook
