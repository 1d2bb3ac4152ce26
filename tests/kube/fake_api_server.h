#pragma once
// A scripted stand-in for kube-apiserver on 127.0.0.1 (cpp-httplib), for the client and reflector
// tests. Every GET is a LIST of the one collection unless it carries watch=1; watches stream the lines
// the test pushes. All requests are recorded.
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace kube_test {

struct RecordedRequest {
  std::string method;
  std::string path;                           // without the query
  std::map<std::string, std::string> params;  // decoded query parameters
  std::string authorization;
  bool isWatch() const { return params.count("watch") && params.at("watch") == "1"; }
};

struct FakeServerOptions {
  bool https = false;               // serve TLS with testPki()'s server.crt (or `serverCert`)
  std::string serverCert = "server";  // base name in testPki(): server or wrong-host
  bool requireClientCert = false;   // TLS client certificates signed by testPki()'s CA only
  // Extra routes, registered before the catch-all list/watch route.
  std::function<void(httplib::Server&)> extraRoutes;
};

class FakeApiServer {
 public:
  explicit FakeApiServer(FakeServerOptions options = {});
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT" or https
  int port() const { return port_; }

  // LIST answers are taken from this queue in order; the last one is repeated.
  void queueList(int status, const std::string& body);
  // The next watch requests are answered with these (status, body) instead of a stream.
  void queueWatchFailure(int status, const std::string& body);
  // Sends one line (an event; a newline is added) on the newest open watch, or on the next one.
  void pushEvent(const std::string& line);
  // Ends the newest watch stream cleanly (after the lines pushed before).
  void closeWatch();

  std::vector<RecordedRequest> requests() const;
  std::vector<RecordedRequest> watchRequests() const;
  std::vector<RecordedRequest> listRequests() const;
  // Waits until `predicate(requests())` holds; false on timeout.
  bool waitFor(const std::function<bool(const std::vector<RecordedRequest>&)>& predicate, int timeoutMs = 5000) const;
  // Waits until a watch stream is open and has been handed the lines pushed so far.
  bool waitForOpenWatch(int timeoutMs = 5000) const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  bool https_ = false;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<RecordedRequest> requests_;
  std::deque<std::pair<int, std::string>> lists_;
  std::deque<std::pair<int, std::string>> watchFailures_;
  std::deque<std::string> pending_;  // lines for the newest watch; "" closes it
  int watchGeneration_ = 0;          // bumped when a watch opens; older streams end
  bool watchOpen_ = false;
  bool shuttingDown_ = false;
};

// A namespace object / list / watch event as the apiserver sends them.
std::string namespaceJson(const std::string& name, const std::string& rv, const std::string& labelsJson = "{}");
std::string listJson(const std::vector<std::string>& items, const std::string& rv, const std::string& next = "");
std::string eventJson(const std::string& type, const std::string& objectJson);

}  // namespace kube_test
