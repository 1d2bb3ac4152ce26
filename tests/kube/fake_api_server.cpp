#include "fake_api_server.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <stdexcept>

#include <httplib.h>

#include "api_test_support.h"

namespace kube_test {

FakeApiServer::FakeApiServer(FakeServerOptions options) : https_(options.https) {
  if (options.https) {
    const TestPki& pki = testPki();
    std::string cert = pki.file(options.serverCert + ".crt"), key = pki.file(options.serverCert + ".key");
    std::string clientCa = pki.file("ca.crt");
    server_ = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str(),
                                                   options.requireClientCert ? clientCa.c_str() : nullptr);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  if (!server_->is_valid()) throw std::runtime_error("fake API server: invalid TLS setup");
  if (options.extraRoutes) options.extraRoutes(*server_);

  server_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    RecordedRequest recorded{req.method, req.path, {}, req.get_header_value("Authorization")};
    for (const auto& p : req.params) recorded.params[p.first] = p.second;
    // Recorded under the same lock that opens the watch, so that once a test sees the request, lines
    // it pushes can only go to this stream (an abandoned older stream ends at the next wake-up).
    std::unique_lock<std::mutex> lock(mutex_);
    requests_.push_back(recorded);
    changed_.notify_all();
    if (!recorded.isWatch()) {
      auto answer = lists_.empty() ? std::make_pair(404, std::string("{}")) : lists_.front();
      if (lists_.size() > 1) lists_.pop_front();
      res.status = answer.first;
      res.set_content(answer.second, "application/json");
      return;
    }
    if (!watchFailures_.empty()) {
      watchOpen_ = false;
      auto answer = watchFailures_.front();
      watchFailures_.pop_front();
      res.status = answer.first;
      res.set_content(answer.second, "application/json");
      return;
    }
    const int generation = ++watchGeneration_;
    watchOpen_ = true;
    changed_.notify_all();
    res.set_chunked_content_provider("application/json", [this, generation](size_t, httplib::DataSink& sink) {
      std::unique_lock<std::mutex> streamLock(mutex_);
      changed_.wait_for(streamLock, std::chrono::milliseconds(20));
      if (shuttingDown_ || generation != watchGeneration_) {
        sink.done();
        return true;
      }
      while (!pending_.empty()) {
        std::string line = pending_.front();
        pending_.pop_front();
        if (line.empty()) {  // closeWatch()
          watchOpen_ = false;
          changed_.notify_all();
          sink.done();
          return true;
        }
        line += "\n";
        if (!sink.write(line.data(), line.size())) return false;
      }
      changed_.notify_all();
      return true;
    });
  });

  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake API server: cannot bind");
  // httplib::Server sets SIGPIPE to SIG_IGN for the whole process, which would hide a client that
  // dies of SIGPIPE in real programs. Restore the default, and keep SIGPIPE blocked in the server's
  // own threads (they inherit the mask of the thread that starts them) so the fake server survives.
  signal(SIGPIPE, SIG_DFL);
  sigset_t sigpipe, previous;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe, &previous);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  // Server::stop() is a no-op until the accept loop runs, so the destructor could hang otherwise.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeApiServer::~FakeApiServer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shuttingDown_ = true;
  }
  changed_.notify_all();
  server_->stop();
  thread_.join();
}

std::string FakeApiServer::url() const {
  return std::string(https_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void FakeApiServer::queueList(int status, const std::string& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  lists_.emplace_back(status, body);
}

void FakeApiServer::queueWatchFailure(int status, const std::string& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  watchFailures_.emplace_back(status, body);
}

void FakeApiServer::pushEvent(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back(line.empty() ? " " : line);
  changed_.notify_all();
}

void FakeApiServer::closeWatch() {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back("");
  changed_.notify_all();
}

std::vector<RecordedRequest> FakeApiServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::vector<RecordedRequest> FakeApiServer::watchRequests() const {
  std::vector<RecordedRequest> out;
  for (const auto& r : requests())
    if (r.isWatch()) out.push_back(r);
  return out;
}

std::vector<RecordedRequest> FakeApiServer::listRequests() const {
  std::vector<RecordedRequest> out;
  for (const auto& r : requests())
    if (!r.isWatch()) out.push_back(r);
  return out;
}

bool FakeApiServer::waitFor(const std::function<bool(const std::vector<RecordedRequest>&)>& predicate,
                            int timeoutMs) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return predicate(requests_); });
}

bool FakeApiServer::waitForOpenWatch(int timeoutMs) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return watchOpen_ && pending_.empty(); });
}

std::string namespaceJson(const std::string& name, const std::string& rv, const std::string& labelsJson) {
  return R"({"metadata":{"name":")" + name + R"(","resourceVersion":")" + rv + R"(","labels":)" + labelsJson + "}}";
}

std::string listJson(const std::vector<std::string>& items, const std::string& rv, const std::string& next) {
  std::string joined;
  for (const auto& item : items) joined += (joined.empty() ? "" : ",") + item;
  return R"({"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":")" + rv + R"(")" +
         (next.empty() ? "" : R"(,"continue":")" + next + R"(")") + R"(},"items":[)" + joined + "]}";
}

std::string eventJson(const std::string& type, const std::string& objectJson) {
  return R"({"type":")" + type + R"(","object":)" + objectJson + "}";
}

}  // namespace kube_test
