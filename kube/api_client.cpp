// The API client: one cpp-httplib client per call (see the header for why), TLS configured directly
// on its SSL_CTX so that only the kubeconfig's CAs are trusted and OpenSSL checks the host name.
#include "kube/api_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "kube/api_tls.h"
#include "kube/exec_credential.h"
#include "kube/manifest.h"  // InputError

namespace kube {
namespace {

using Clock = std::chrono::steady_clock;

struct ServerUrl {
  bool https = true;
  std::string host;    // without IPv6 brackets
  int port = 443;
  std::string prefix;  // path prefix of the server URL, without a trailing '/'
};

ServerUrl parseServerUrl(const std::string& url) {
  auto bad = [&](const std::string& why) -> InputError {
    return InputError("server URL \"" + url + "\": " + why);
  };
  ServerUrl out;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    out.https = false;
    out.port = 80;
    rest = url.substr(7);
  } else {
    throw bad("expected https:// or http://");
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.prefix = rest.substr(slash);
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  if (out.prefix.find_first_of("?#") != std::string::npos) throw bad("query or fragment not allowed");
  if (authority.find('@') != std::string::npos) throw bad("user info not allowed");

  std::string portText;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) throw bad("unterminated IPv6 address");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw bad("unexpected text after the IPv6 address");
      portText = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) portText = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw bad("missing host");
  if (!portText.empty() || authority.back() == ':') {
    if (portText.empty() || portText.size() > 5 || portText.find_first_not_of("0123456789") != std::string::npos)
      throw bad("invalid port");
    out.port = std::stoi(portText);
    if (out.port < 1 || out.port > 65535) throw bad("invalid port");
  }
  return out;
}

bool isIpAddress(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// A token goes into an HTTP header: CR/LF in it would inject headers.
bool hasControlCharacters(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::optional<std::string> readTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  std::getline(in, text, '\0');  // tokens are one short line; stop at a NUL just in case
  if (text.size() > (1u << 20)) return std::nullopt;
  text = trim(text);
  if (text.empty() || hasControlCharacters(text)) return std::nullopt;
  return text;
}

template <class Rep, class Period>
void splitDuration(std::chrono::duration<Rep, Period> d, time_t& sec, time_t& usec) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  if (us < 0) us = 0;
  sec = static_cast<time_t>(us / 1000000);
  usec = static_cast<time_t>(us % 1000000);
}

// OpenSSL writes to sockets with plain write(), so a connection closed by the peer (or by our own
// stop()) raises SIGPIPE, which kills a process that did not ignore it. Instead of changing the
// process-wide disposition, SIGPIPE is blocked on the calling thread for the duration of a call and a
// SIGPIPE raised meanwhile is consumed before unblocking (the write itself fails with EPIPE).
class SigpipeBlocker {
 public:
  SigpipeBlocker() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    alreadyPending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_);
  }
  ~SigpipeBlocker() {
    if (!alreadyPending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        struct timespec zero {};
        sigtimedwait(&sigpipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlocker(const SigpipeBlocker&) = delete;
  SigpipeBlocker& operator=(const SigpipeBlocker&) = delete;

 private:
  sigset_t sigpipe_;
  sigset_t previous_;
  bool alreadyPending_ = false;
};

constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

// Sends `req` on `client`; when `stop` or a deadline is given, a helper thread aborts the request once
// `stop` turns true or the deadline passes. httplib blocks in recv() while the server is silent, and
// ClientImpl::stop() (shutting the socket down from another thread) is its documented way to abort an
// in-flight request.
bool sendCancellable(httplib::ClientImpl& client, httplib::Request& req, httplib::Response& res, httplib::Error& err,
                     const std::atomic<bool>* stop, Clock::time_point deadline = kNoDeadline) {
  ERR_clear_error();
  SigpipeBlocker noSigpipe;
  if (!stop && deadline == kNoDeadline) return client.send(req, res, err);
  std::mutex mutex;
  std::condition_variable finishedCv;
  bool finished = false;
  std::thread stopper([&] {
    SigpipeBlocker stopperNoSigpipe;  // stop() may send a TLS close_notify on a shut-down socket
    std::unique_lock<std::mutex> lock(mutex);
    while (!finished) {
      const auto now = Clock::now();
      if ((stop && stop->load()) || now >= deadline) client.stop();
      finishedCv.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)));
    }
  });
  bool sent = client.send(req, res, err);
  {
    std::lock_guard<std::mutex> lock(mutex);
    finished = true;
  }
  finishedCv.notify_all();
  stopper.join();
  return sent;
}

// TCP keepalive every 30 s on idle connections, as client-go's dialer does (net.Dialer KeepAlive 30s):
// a watch silent for minutes still sends packets, so a dead API server is noticed, and a watch whose
// replies a firewall dropped as mid-stream (a pod's NetworkPolicy chain installed after the watch
// opened) gets an outgoing packet that lets conntrack see the connection again.
void enableTcpKeepalive(socket_t fd) {
  int on = 1, idle = 30, interval = 30;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
}

}  // namespace

std::string withQuery(const std::string& path, const std::string& query) {
  if (query.empty()) return path;
  return path + (path.find('?') == std::string::npos ? "?" : "&") + query;
}

std::string urlEncode(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string ApiResponse::describe() const {
  if (!error.empty()) return error;
  std::string message;
  // The apiserver explains failures in a Status object; fall back to the start of the body.
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string())
    message = parsed["message"].get<std::string>();
  else
    message = body.substr(0, 200);
  // A plain-text body ("404 page not found\n") ends in a newline that would split one-line messages.
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) message.pop_back();
  return "HTTP " + std::to_string(status) + (message.empty() ? "" : ": " + message);
}

struct ApiClient::Impl {
  KubeConfig config;
  ApiClientOptions options;
  ServerUrl url;
  std::vector<tls::X509Ptr> caCerts;
  std::vector<tls::X509Ptr> clientChain;
  tls::PkeyPtr clientKey;
  std::unique_ptr<ExecCredentialSource> execSource;  // the user's exec plugin, if any

  mutable std::mutex tokenMutex;
  mutable std::string cachedToken;
  mutable Clock::time_point tokenReadAt;
  mutable bool tokenFileRead = false;

  // The bearer token to send: the token file's last successfully read value (re-read every
  // tokenFileRefresh), else the static token — clientcmd's precedence for `tokenFile` over `token`.
  std::string token() const {
    if (config.tokenFile.empty()) return config.bearerToken;
    std::lock_guard<std::mutex> lock(tokenMutex);
    auto now = Clock::now();
    if (!tokenFileRead || now - tokenReadAt >= options.tokenFileRefresh) {
      if (auto fresh = readTokenFile(config.tokenFile)) cachedToken = std::move(*fresh);
      else if (!tokenFileRead) cachedToken = config.bearerToken;
      tokenFileRead = true;
      tokenReadAt = now;
    }
    return cachedToken;
  }

  // The credentials of one request. Static ones win over the exec plugin's, as in client-go (its exec
  // round tripper leaves a request that already has an Authorization header alone).
  struct RequestAuth {
    std::string token;
    std::shared_ptr<const ExecCredential> fromExec;  // what the plugin gave, to report a 401 against
    std::vector<tls::X509Ptr> execChain;
    tls::PkeyPtr execKey;
  };

  // Returns "" or a problem (the plugin failed).
  std::string authenticate(RequestAuth& auth) const {
    auth.token = token();
    if (!execSource || (!auth.token.empty() && clientKey)) return "";
    try {
      auth.fromExec = execSource->get();
      if (auth.token.empty()) auth.token = auth.fromExec->token;
      if (!clientKey && !auth.fromExec->clientCertPem.empty()) {
        auth.execChain = tls::readCertificates(auth.fromExec->clientCertPem);
        auth.execKey = tls::readPrivateKey(auth.fromExec->clientKeyPem);
      }
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  // Sets up TLS on a fresh client. Returns "" or a problem.
  std::string configureTls(httplib::SSLClient& client, const RequestAuth& auth) const {
    SSL_CTX* ctx = client.ssl_context();
    if (!ctx) return "cannot create a TLS context";
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // cpp-httplib's own check would add the system CAs next to the kubeconfig's; OpenSSL verifies
    // instead (chain and host name during the handshake), trusting exactly what the config says.
    client.enable_server_certificate_verification(false);
    if (!config.insecureSkipTlsVerify) {
      if (!caCerts.empty()) {
        X509_STORE* store = X509_STORE_new();
        if (!store) return "out of memory";
        for (const auto& cert : caCerts) X509_STORE_add_cert(store, cert.get());
        SSL_CTX_set_cert_store(ctx, store);  // the context owns the store now
      } else {
        SSL_CTX_set_default_verify_paths(ctx);
      }
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
      int set = isIpAddress(url.host) ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str())
                                      : X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
      if (set != 1) return "cannot set the expected server name " + url.host;
    }
    const auto& chain = clientKey ? clientChain : auth.execChain;
    EVP_PKEY* key = clientKey ? clientKey.get() : auth.execKey.get();
    if (key) {
      if (SSL_CTX_use_certificate(ctx, chain.front().get()) != 1) return "client certificate rejected: " + tls::takeOpenSslError();
      for (size_t i = 1; i < chain.size(); ++i) SSL_CTX_add1_chain_cert(ctx, chain[i].get());
      if (SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
        return "client key does not match the client certificate: " + tls::takeOpenSslError();
    }
    return "";
  }

  std::unique_ptr<httplib::ClientImpl> newClient(std::chrono::milliseconds readTimeout, const RequestAuth& auth,
                                                 std::string& problem) const {
    std::unique_ptr<httplib::ClientImpl> client;
    if (url.https) {
      auto ssl = std::make_unique<httplib::SSLClient>(url.host, url.port);
      problem = configureTls(*ssl, auth);
      client = std::move(ssl);
    } else {
      client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
    }
    time_t sec, usec;
    splitDuration(options.connectTimeout, sec, usec);
    client->set_connection_timeout(sec, usec);
    splitDuration(readTimeout, sec, usec);
    client->set_read_timeout(sec, usec);
    splitDuration(options.requestTimeout, sec, usec);
    client->set_write_timeout(sec, usec);
    client->set_keep_alive(false);
    client->set_follow_location(false);  // a redirect must not carry the token elsewhere
    client->set_socket_options(enableTcpKeepalive);
    return client;
  }

  httplib::Headers headers(const RequestAuth& auth) const {
    httplib::Headers h{{"Accept", "application/json"}, {"User-Agent", options.userAgent}};
    // cpp-httplib 0.11 writes "Host: ::1:6443" for IPv6 literals; send the bracketed form.
    if (url.host.find(':') != std::string::npos) h.emplace("Host", "[" + url.host + "]:" + std::to_string(url.port));
    if (!auth.token.empty()) h.emplace("Authorization", "Bearer " + auth.token);
    return h;
  }

  static std::string transportError(httplib::Error err) {
    std::string text = httplib::to_string(err);
    std::string ssl = tls::takeOpenSslError();
    return ssl.empty() ? text : text + ": " + ssl;
  }

  // An exec credential the server rejects (401) is dropped; client-go then fails the request and the
  // next one re-runs the plugin. kguard's requests are few and idempotent or safe to repeat after a
  // 401 (nothing was done), so the request is retried once with the fresh credential instead.
  ApiResponse send(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& contentType, const std::atomic<bool>* stop = nullptr,
                   Clock::time_point deadline = kNoDeadline) const {
    RequestAuth auth;
    ApiResponse out = sendOnce(method, path, body, contentType, stop, deadline, auth);
    if (out.status == 401 && auth.fromExec) {
      execSource->rejected(auth.fromExec);
      auth = RequestAuth();
      out = sendOnce(method, path, body, contentType, stop, deadline, auth);
      if (out.status == 401 && auth.fromExec) execSource->rejected(auth.fromExec);
    }
    return out;
  }

  ApiResponse sendOnce(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& contentType, const std::atomic<bool>* stop, Clock::time_point deadline,
                       RequestAuth& auth) const {
    ApiResponse out;
    if (stop && stop->load()) {
      out.error = "stopped";
      return out;
    }
    if (Clock::now() >= deadline) {
      out.error = kDeadlineExceeded;
      return out;
    }
    std::string problem = authenticate(auth);
    if (!problem.empty()) {
      out.error = problem;
      return out;
    }
    auto client = newClient(options.requestTimeout, auth, problem);
    if (!problem.empty()) {
      out.error = problem;
      return out;
    }
    httplib::Request req;
    req.method = method;
    req.path = url.prefix + path;
    req.headers = headers(auth);
    if (!contentType.empty()) req.headers.emplace("Content-Type", contentType);
    req.body = body;
    bool tooLarge = false;
    req.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
      if (out.body.size() + length > options.maxResponseBytes) {
        tooLarge = true;
        return false;
      }
      out.body.append(data, length);
      return true;
    };
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    bool sent = sendCancellable(*client, req, res, err, stop, deadline);
    out.status = res.status > 0 ? res.status : 0;
    if (stop && stop->load()) out.error = "stopped";
    else if (!sent && Clock::now() >= deadline) out.error = kDeadlineExceeded;
    else if (tooLarge) out.error = "response larger than " + std::to_string(options.maxResponseBytes) + " bytes";
    else if (!sent) out.error = transportError(err);
    return out;
  }
};

ApiClient::ApiClient(KubeConfig config, ApiClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->url = parseServerUrl(config.server);
  if (hasControlCharacters(config.bearerToken)) throw InputError("bearer token: contains control characters");
  if (hasControlCharacters(options.userAgent)) throw InputError("user agent: contains control characters");
  try {
    if (!config.caPem.empty()) impl_->caCerts = tls::readCertificates(config.caPem);
    if (!config.clientCertPem.empty() || !config.clientKeyPem.empty()) {
      impl_->clientChain = tls::readCertificates(config.clientCertPem);
      impl_->clientKey = tls::readPrivateKey(config.clientKeyPem);
      if (X509_check_private_key(impl_->clientChain.front().get(), impl_->clientKey.get()) != 1) {
        tls::takeOpenSslError();
        throw std::runtime_error("the client key does not match the client certificate");
      }
    }
  } catch (const std::exception& e) {
    throw InputError(std::string("API client TLS configuration: ") + e.what());
  }
  if (config.exec)
    impl_->execSource = std::make_unique<ExecCredentialSource>(
        *config.exec, ExecClusterInfo{config.server, config.caPem, config.insecureSkipTlsVerify});
  impl_->config = std::move(config);
  impl_->options = std::move(options);
}

ApiClient::~ApiClient() = default;

const KubeConfig& ApiClient::config() const { return impl_->config; }

ApiResponse ApiClient::get(const std::string& path) const { return impl_->send("GET", path, "", ""); }
ApiResponse ApiClient::get(const std::string& path, const std::atomic<bool>& stop) const {
  return impl_->send("GET", path, "", "", &stop);
}
ApiResponse ApiClient::get(const std::string& path, std::chrono::steady_clock::time_point deadline) const {
  return impl_->send("GET", path, "", "", nullptr, deadline);
}
ApiResponse ApiClient::post(const std::string& path, const std::string& body, const std::string& contentType) const {
  return impl_->send("POST", path, body, contentType);
}
ApiResponse ApiClient::put(const std::string& path, const std::string& body, const std::string& contentType) const {
  return impl_->send("PUT", path, body, contentType);
}
ApiResponse ApiClient::patch(const std::string& path, const std::string& body, const std::string& contentType) const {
  return impl_->send("PATCH", path, body, contentType);
}
ApiResponse ApiClient::del(const std::string& path) const { return impl_->send("DELETE", path, "", ""); }

ApiResponse ApiClient::watch(const std::string& path, const std::function<bool(const std::string&)>& onLine,
                             const std::atomic<bool>& stop) const {
  ApiResponse out;
  if (stop.load()) {
    out.error = "stopped";
    return out;
  }
  Impl::RequestAuth auth;
  std::string problem = impl_->authenticate(auth);
  if (!problem.empty()) {
    out.error = problem;
    return out;
  }
  auto client = impl_->newClient(impl_->options.watchReadTimeout, auth, problem);
  if (!problem.empty()) {
    out.error = problem;
    return out;
  }
  httplib::Request req;
  req.method = "GET";
  req.path = impl_->url.prefix + path;
  req.headers = impl_->headers(auth);

  int status = 0;
  std::string pending;  // bytes after the last newline: an event split across chunks
  bool canceled = false, lineTooLong = false, bodyTooLarge = false;
  req.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
    if (stop.load()) return false;
    if (status != 200) {  // an error body (a Status object): keep it for the caller
      if (out.body.size() + length > impl_->options.maxResponseBytes) return !(bodyTooLarge = true);
      out.body.append(data, length);
      return true;
    }
    pending.append(data, length);
    size_t start = 0;
    for (size_t newline; (newline = pending.find('\n', start)) != std::string::npos; start = newline + 1) {
      std::string line = pending.substr(start, newline - start);
      if (trim(line).empty()) continue;
      if (!onLine(line)) return !(canceled = true);
      if (stop.load()) return false;
    }
    pending.erase(0, start);
    if (pending.size() > impl_->options.maxWatchLineBytes) return !(lineTooLong = true);
    return true;
  };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  bool sent = sendCancellable(*client, req, res, err, &stop);

  out.status = status != 0 ? status : (res.status > 0 ? res.status : 0);
  // The caller's retry (the reflector's re-list) runs the plugin again.
  if (out.status == 401 && auth.fromExec) impl_->execSource->rejected(auth.fromExec);
  if (stop.load()) {
    out.error = "stopped";
  } else if (canceled) {
    out.error = "canceled";
  } else if (lineTooLong) {
    out.error = "watch event larger than " + std::to_string(impl_->options.maxWatchLineBytes) + " bytes";
  } else if (bodyTooLarge) {
    out.error = "response larger than " + std::to_string(impl_->options.maxResponseBytes) + " bytes";
  } else if (!sent) {
    out.error = Impl::transportError(err);
  } else if (status == 200 && !trim(pending).empty() && !onLine(pending)) {
    out.error = "canceled";  // the last event had no trailing newline
  }
  return out;
}

}  // namespace kube
