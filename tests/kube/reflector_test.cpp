// Reflector against a scripted fake API server: list, watch, resume, bookmarks, 410 relist, backoff,
// pagination, stop.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <condition_variable>
#include <mutex>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fake_api_server.h"
#include "kube/api_client.h"
#include "kube/api_object_store.h"
#include "kube/reflector.h"

using kube_test::eventJson;
using kube_test::FakeApiServer;
using kube_test::listJson;
using kube_test::namespaceJson;
using kube_test::RecordedRequest;

namespace {

using Requests = std::vector<RecordedRequest>;

size_t countWatches(const Requests& requests) {
  size_t n = 0;
  for (const auto& r : requests) n += r.isWatch();
  return n;
}
size_t countLists(const Requests& requests) { return requests.size() - countWatches(requests); }

// Records the callbacks as text: "replace a,b" / "ADDED c".
class Recorder {
 public:
  void replace(std::vector<nlohmann::json> items) {
    std::string names;
    for (const auto& item : items) names += (names.empty() ? "" : ",") + item["metadata"]["name"].get<std::string>();
    add("replace " + names);
  }
  void event(const std::string& type, const nlohmann::json& object) {
    add(type + " " + object["metadata"]["name"].get<std::string>());
  }
  bool waitForCount(size_t n, int timeoutMs = 5000) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return log_.size() >= n; });
  }
  std::vector<std::string> log() {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }

 private:
  void add(const std::string& entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    log_.push_back(entry);
    changed_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> log_;
};

kube::ReflectorOptions fastOptions() {
  kube::ReflectorOptions options;
  options.initialBackoff = std::chrono::milliseconds(20);
  options.maxBackoff = std::chrono::milliseconds(100);
  options.minWatchTimeout = std::chrono::seconds(30);
  return options;
}

std::shared_ptr<kube::ApiClient> clientFor(const FakeApiServer& server) {
  kube::KubeConfig config;
  config.server = server.url();
  config.bearerToken = "test-token";
  return std::make_shared<kube::ApiClient>(config);
}

struct Fixture {
  FakeApiServer server;
  Recorder recorder;
  std::unique_ptr<kube::Reflector> reflector;

  void start(const std::string& path = "/api/v1/namespaces", kube::ReflectorOptions options = fastOptions()) {
    reflector = std::make_unique<kube::Reflector>(
        clientFor(server), path, [this](std::vector<nlohmann::json> items) { recorder.replace(std::move(items)); },
        [this](const std::string& type, const nlohmann::json& object) { recorder.event(type, object); }, options);
    reflector->start();
  }
  bool waitForWatches(size_t n) {
    return server.waitFor([n](const Requests& r) { return countWatches(r) >= n; });
  }
};

const std::string kGone = R"json({"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (200)","reason":"Expired","code":410})json";

}  // namespace

TEST_CASE_METHOD(Fixture, "reflector: lists, then watches from the list's resourceVersion with bookmarks") {
  server.queueList(200, listJson({namespaceJson("a", "90"), namespaceJson("b", "95")}, "100"));
  start();
  REQUIRE(reflector->waitForSync(std::chrono::seconds(5)));
  CHECK(reflector->hasSynced());
  CHECK(recorder.log() == std::vector<std::string>{"replace a,b"});
  REQUIRE(waitForWatches(1));

  auto lists = server.listRequests();
  REQUIRE(lists.size() == 1);
  CHECK(lists[0].path == "/api/v1/namespaces");
  CHECK(lists[0].params.at("limit") == "500");
  CHECK(lists[0].authorization == "Bearer test-token");

  auto watch = server.watchRequests().at(0);
  CHECK(watch.path == "/api/v1/namespaces");
  CHECK(watch.params.at("resourceVersion") == "100");
  CHECK(watch.params.at("allowWatchBookmarks") == "true");
  int timeout = std::stoi(watch.params.at("timeoutSeconds"));
  CHECK(timeout >= 30);
  CHECK(timeout < 60);
}

TEST_CASE_METHOD(Fixture, "reflector: keeps the collection's own query and appends its parameters") {
  server.queueList(200, listJson({}, "7"));
  start("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1");
  REQUIRE(waitForWatches(1));
  auto watch = server.watchRequests().at(0);
  CHECK(watch.path == "/api/v1/pods");
  CHECK(watch.params.at("fieldSelector") == "spec.nodeName=node-1");
  CHECK(watch.params.at("resourceVersion") == "7");
  CHECK(server.listRequests().at(0).params.at("fieldSelector") == "spec.nodeName=node-1");
}

TEST_CASE_METHOD(Fixture, "reflector: delivers ADDED, MODIFIED and DELETED in order") {
  server.queueList(200, listJson({namespaceJson("a", "90"), namespaceJson("b", "95")}, "100"));
  start();
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(eventJson("ADDED", namespaceJson("c", "101")));
  server.pushEvent(eventJson("MODIFIED", namespaceJson("a", "102", R"({"team":"x"})")));
  server.pushEvent(eventJson("DELETED", namespaceJson("b", "103")));
  REQUIRE(recorder.waitForCount(4));
  CHECK(recorder.log() == std::vector<std::string>{"replace a,b", "ADDED c", "MODIFIED a", "DELETED b"});
  CHECK(reflector->resourceVersion() == "103");
}

TEST_CASE_METHOD(Fixture, "reflector: a closed watch resumes from the last resourceVersion without relisting") {
  server.queueList(200, listJson({namespaceJson("a", "90")}, "100"));
  start();
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(eventJson("ADDED", namespaceJson("c", "101")));
  server.pushEvent(eventJson("MODIFIED", namespaceJson("c", "105")));
  server.closeWatch();
  REQUIRE(waitForWatches(2));
  CHECK(server.watchRequests().at(1).params.at("resourceVersion") == "105");
  CHECK(server.listRequests().size() == 1);
  CHECK(recorder.log() == std::vector<std::string>{"replace a", "ADDED c", "MODIFIED c"});
}

TEST_CASE_METHOD(Fixture, "reflector: a bookmark moves the resourceVersion without an event") {
  server.queueList(200, listJson({}, "100"));
  start();
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(R"({"type":"BOOKMARK","object":{"kind":"Namespace","metadata":{"resourceVersion":"150"}}})");
  server.closeWatch();
  REQUIRE(waitForWatches(2));
  CHECK(server.watchRequests().at(1).params.at("resourceVersion") == "150");
  CHECK(recorder.log() == std::vector<std::string>{"replace "});
  CHECK(server.listRequests().size() == 1);
}

TEST_CASE_METHOD(Fixture, "reflector: HTTP 410 Gone on the watch relists") {
  server.queueList(200, listJson({namespaceJson("a", "90")}, "100"));
  server.queueList(200, listJson({namespaceJson("a", "90"), namespaceJson("z", "190")}, "200"));
  server.queueWatchFailure(410, kGone);
  start();
  REQUIRE(waitForWatches(2));
  CHECK(server.listRequests().size() == 2);
  CHECK(server.watchRequests().at(0).params.at("resourceVersion") == "100");
  CHECK(server.watchRequests().at(1).params.at("resourceVersion") == "200");
  REQUIRE(recorder.waitForCount(2));
  CHECK(recorder.log() == std::vector<std::string>{"replace a", "replace a,z"});
  CHECK_THAT(reflector->lastError(), Catch::Contains("410"));
}

TEST_CASE_METHOD(Fixture, "reflector: an ERROR event with code 410 relists") {
  server.queueList(200, listJson({namespaceJson("a", "90")}, "100"));
  server.queueList(200, listJson({namespaceJson("b", "290")}, "300"));
  start();
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(eventJson("ADDED", namespaceJson("c", "101")));
  server.pushEvent(eventJson("ERROR", kGone));
  REQUIRE(waitForWatches(2));
  CHECK(server.listRequests().size() == 2);
  CHECK(server.watchRequests().at(1).params.at("resourceVersion") == "300");
  CHECK(recorder.log() == std::vector<std::string>{"replace a", "ADDED c", "replace b"});
}

TEST_CASE_METHOD(Fixture, "reflector: other watch errors resume from the last resourceVersion") {
  server.queueList(200, listJson({}, "100"));
  server.queueWatchFailure(500, R"({"kind":"Status","code":500,"message":"etcd is sad"})");
  start();
  REQUIRE(waitForWatches(2));
  CHECK(server.listRequests().size() == 1);
  CHECK(server.watchRequests().at(1).params.at("resourceVersion") == "100");
  CHECK_THAT(reflector->lastError(), Catch::Contains("HTTP 500: etcd is sad"));
}

TEST_CASE_METHOD(Fixture, "reflector: malformed events and unknown ERROR events do not crash; the watch resumes") {
  server.queueList(200, listJson({}, "100"));
  start();
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent("this is not JSON");
  REQUIRE(waitForWatches(2));
  CHECK_THAT(reflector->lastError(), Catch::Contains("malformed watch event: this is not JSON"));
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(std::string(2000, '[') + std::string(2000, ']'));
  REQUIRE(waitForWatches(3));
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(R"({"type":"ADDED","object":"a string"})");
  REQUIRE(waitForWatches(4));
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(eventJson("ERROR", R"({"kind":"Status","code":500,"message":"internal"})"));
  REQUIRE(waitForWatches(5));
  CHECK_THAT(reflector->lastError(), Catch::Contains("watch ERROR event: internal"));
  for (const auto& watch : server.watchRequests()) CHECK(watch.params.at("resourceVersion") == "100");
  CHECK(server.listRequests().size() == 1);
  CHECK(recorder.log() == std::vector<std::string>{"replace "});
}

TEST_CASE_METHOD(Fixture, "reflector: list errors back off and retry until a list succeeds") {
  server.queueList(500, R"({"kind":"Status","code":500,"message":"try later"})");
  server.queueList(200, "not json");
  server.queueList(200, R"({"items":[]})");  // no resourceVersion to watch from
  server.queueList(200, listJson({namespaceJson("a", "1")}, "10"));
  start();
  REQUIRE(reflector->waitForSync(std::chrono::seconds(5)));
  CHECK(server.listRequests().size() == 4);
  CHECK(recorder.log() == std::vector<std::string>{"replace a"});
  REQUIRE(waitForWatches(1));
  CHECK(server.watchRequests().at(0).params.at("resourceVersion") == "10");
}

TEST_CASE_METHOD(Fixture, "reflector: hasSynced stays false while lists fail") {
  server.queueList(403, R"({"kind":"Status","code":403,"message":"forbidden: User cannot list"})");
  start();
  REQUIRE(server.waitFor([](const Requests& r) { return countLists(r) >= 3; }));
  CHECK_FALSE(reflector->hasSynced());
  CHECK_FALSE(reflector->waitForSync(std::chrono::milliseconds(50)));
  CHECK_THAT(reflector->lastError(), Catch::Contains("HTTP 403: forbidden: User cannot list"));
  CHECK(server.watchRequests().empty());
}

TEST_CASE_METHOD(Fixture, "reflector: backoff grows between failures up to the cap") {
  server.queueList(500, "{}");
  auto options = fastOptions();
  options.initialBackoff = std::chrono::milliseconds(100);
  options.maxBackoff = std::chrono::milliseconds(400);
  auto started = std::chrono::steady_clock::now();
  start("/api/v1/namespaces", options);
  REQUIRE(server.waitFor([](const Requests& r) { return countLists(r) >= 4; }));
  auto elapsed = std::chrono::steady_clock::now() - started;
  // Waits of at least 100 + 200 + 400 ms (the third capped), at most double with jitter.
  CHECK(elapsed >= std::chrono::milliseconds(700));
  CHECK(elapsed < std::chrono::milliseconds(2500));
}

TEST_CASE_METHOD(Fixture, "reflector: follows continue tokens when listing") {
  server.queueList(200, listJson({namespaceJson("a", "1")}, "50", "page-2"));
  server.queueList(200, listJson({namespaceJson("b", "2")}, "50"));
  auto options = fastOptions();
  options.pageSize = 1;
  start("/api/v1/namespaces", options);
  REQUIRE(reflector->waitForSync(std::chrono::seconds(5)));
  auto lists = server.listRequests();
  REQUIRE(lists.size() == 2);
  CHECK(lists[0].params.count("continue") == 0);
  CHECK(lists[1].params.at("continue") == "page-2");
  CHECK(lists[1].params.at("limit") == "1");
  CHECK(recorder.log() == std::vector<std::string>{"replace a,b"});
}

TEST_CASE_METHOD(Fixture, "reflector: stop() returns promptly while the watch is idle") {
  server.queueList(200, listJson({}, "100"));
  start();
  REQUIRE(server.waitForOpenWatch());
  auto started = std::chrono::steady_clock::now();
  reflector->stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
  size_t watches = server.watchRequests().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(server.watchRequests().size() == watches);
}

TEST_CASE_METHOD(Fixture, "reflector: stop() returns promptly during a long backoff") {
  server.queueList(500, "{}");
  auto options = fastOptions();
  options.initialBackoff = std::chrono::seconds(20);
  options.maxBackoff = std::chrono::seconds(20);
  start("/api/v1/namespaces", options);
  REQUIRE(server.waitFor([](const Requests& r) { return countLists(r) >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto started = std::chrono::steady_clock::now();
  reflector->stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(500));
}

TEST_CASE("reflector feeding an ObjectStore") {
  FakeApiServer server;
  server.queueList(200, listJson({namespaceJson("a", "90", R"({"team":"red"})"), namespaceJson("b", "95")}, "100"));
  kube::ObjectStore store;
  kube::Reflector reflector(clientFor(server), "/api/v1/namespaces", store.replaceHandler(), store.eventHandler(),
                            fastOptions());
  CHECK_FALSE(store.hasSynced());
  reflector.start();
  REQUIRE(reflector.waitForSync(std::chrono::seconds(5)));
  CHECK(store.hasSynced());
  CHECK(store.size() == 2);
  CHECK(store.labels("", "a") == std::map<std::string, std::string>{{"team", "red"}});
  CHECK_FALSE(store.labels("", "c").has_value());

  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(eventJson("MODIFIED", namespaceJson("a", "101", R"({"team":"blue","n":1})")));
  server.pushEvent(eventJson("DELETED", namespaceJson("b", "102")));
  server.pushEvent(eventJson("ADDED", namespaceJson("c", "103")));
  REQUIRE(server.waitForOpenWatch());
  for (int i = 0; i < 100 && reflector.resourceVersion() != "103"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(store.labels("", "a") == std::map<std::string, std::string>{{"team", "blue"}});  // non-string skipped
  CHECK(store.get("", "b") == nullptr);
  REQUIRE(store.get("", "c") != nullptr);
  CHECK((*store.get("", "c"))["metadata"]["resourceVersion"] == "103");
  reflector.stop();
}

TEST_CASE("ObjectStore keys namespaced objects by namespace/name") {
  kube::ObjectStore store;
  store.replace({nlohmann::json::parse(R"({"metadata":{"namespace":"n1","name":"p","labels":{"app":"x"}}})"),
                 nlohmann::json::parse(R"({"metadata":{"namespace":"n2","name":"p"}})"),
                 nlohmann::json::parse(R"({"metadata":{}})")});
  CHECK(store.size() == 2);
  CHECK(store.labels("n1", "p") == std::map<std::string, std::string>{{"app", "x"}});
  CHECK(store.labels("n2", "p") == std::map<std::string, std::string>{});
  CHECK(kube::objectKey(nlohmann::json::parse(R"({"metadata":{"namespace":"n1","name":"p"}})")) == "n1/p");
  CHECK(kube::objectKey(nlohmann::json::parse("[1]")).empty());
  store.apply("DELETED", nlohmann::json::parse(R"({"metadata":{"namespace":"n1","name":"p"}})"));
  CHECK(store.get("n1", "p") == nullptr);
  CHECK(store.size() == 1);
}

TEST_CASE("reflector: stop() returns promptly while a LIST is hanging") {
  kube_test::FakeServerOptions options;
  options.extraRoutes = [](httplib::Server& server) {
    server.Get("/api/v1/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::seconds(3));
      res.set_content(listJson({}, "1"), "application/json");
    });
  };
  FakeApiServer server(options);
  kube::Reflector reflector(clientFor(server), "/api/v1/slow", [](std::vector<nlohmann::json>) {},
                            [](const std::string&, const nlohmann::json&) {}, fastOptions());
  reflector.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto started = std::chrono::steady_clock::now();
  reflector.stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
  CHECK_FALSE(reflector.hasSynced());
}

namespace {

// This process's TCP socket connected to `port` on loopback, or -1.
int clientSocketTo(int port) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = std::stoi(entry.path().filename().string());
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0 && peer.sin_family == AF_INET &&
        ntohs(peer.sin_port) == port)
      return fd;
  }
  return -1;
}

}  // namespace

// A watch can stay silent for minutes. Without keepalive nothing is ever sent on it, so neither a dead
// API server nor a firewall that dropped its packets mid-stream (a pod's NetworkPolicy chain installed
// after the watch opened) is ever noticed: the cache stalls. client-go's dialer sets keepalive to 30 s.
TEST_CASE_METHOD(Fixture, "reflector: the watch connection sends TCP keepalives every 30 s, as client-go's does") {
  server.queueList(200, listJson({namespaceJson("a", "90")}, "100"));
  start();
  REQUIRE(server.waitForOpenWatch());
  int fd = clientSocketTo(server.port());
  REQUIRE(fd >= 0);
  int on = 0, idle = 0, interval = 0;
  socklen_t len = sizeof on;
  REQUIRE(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0);
  REQUIRE(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &len) == 0);
  REQUIRE(getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, &len) == 0);
  CHECK(on == 1);
  CHECK(idle == 30);
  CHECK(interval == 30);
  reflector->stop();
}
