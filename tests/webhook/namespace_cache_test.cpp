// NamespaceCache against the scripted fake API server (tests/kube/fake_api_server.h): the watched label
// snapshot, the GET fallback, the pod LIST, and lookups from many threads while the watch rewrites
// the snapshot (copy on write, read through a per-thread copy of the pointer).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include <httplib.h>

#include "cache_test_support.h"
#include "tests/kube/fake_api_server.h"
#include "webhook/namespace_cache.h"

using cache_test::clientFor;
using cache_test::eventually;
using kube_test::eventJson;
using kube_test::FakeApiServer;
using kube_test::FakeServerOptions;
using kube_test::listJson;
using kube_test::namespaceJson;

namespace {

// Serves GET /api/v1/namespaces/NAME (the fallback) and .../NAME/pods (the pod LIST) from `answer`,
// which gets the path and returns {status, body}; the collection LIST/WATCH stays with the fake.
FakeServerOptions withObjectRoutes(std::function<std::pair<int, std::string>(const std::string&)> answer) {
  FakeServerOptions options;
  options.extraRoutes = [answer](httplib::Server& server) {
    server.Get(R"(/api/v1/namespaces/[^/]+(/pods)?)", [answer](const httplib::Request& req, httplib::Response& res) {
      auto [status, body] = answer(req.path + (req.has_param("timeoutSeconds") ? "?timeoutSeconds=" + req.get_param_value("timeoutSeconds") : ""));
      res.status = status;
      res.set_content(body, "application/json");
    });
  };
  return options;
}

std::string label(webhook::NamespaceCache& cache, const std::string& ns, const std::string& key) {
  auto lookup = cache.getNamespace(ns, admission::kNoDeadline);
  auto it = lookup.labels.find(key);
  return lookup.ok && it != lookup.labels.end() ? it->second : "";
}

}  // namespace

TEST_CASE("namespace cache: answers from the listed namespaces, then follows the watch") {
  FakeApiServer server;
  server.queueList(200, listJson({namespaceJson("a", "10", R"({"pod-security.kubernetes.io/enforce":"baseline"})"),
                                  namespaceJson("b", "11")},
                                 "100"));
  webhook::NamespaceCache cache(clientFor(server));
  CHECK_FALSE(cache.synced());
  cache.start();
  REQUIRE(eventually([&] { return cache.synced(); }));
  CHECK(cache.hasCached("a"));
  CHECK(cache.hasCached("b"));
  CHECK_FALSE(cache.hasCached("c"));
  CHECK(label(cache, "a", "pod-security.kubernetes.io/enforce") == "baseline");

  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(eventJson("ADDED", namespaceJson("c", "101", R"({"team":"blue"})")));
  server.pushEvent(eventJson("MODIFIED", namespaceJson("a", "102", R"({"pod-security.kubernetes.io/enforce":"restricted"})")));
  server.pushEvent(eventJson("DELETED", namespaceJson("b", "103")));
  REQUIRE(eventually([&] { return !cache.hasCached("b"); }));
  CHECK(cache.hasCached("c"));
  CHECK(label(cache, "c", "team") == "blue");
  CHECK(label(cache, "a", "pod-security.kubernetes.io/enforce") == "restricted");
  // Only the list and the watch went to the server: every lookup above came from memory.
  CHECK(server.requests().size() == 2);
}

TEST_CASE("namespace cache: a relist replaces the snapshot, and an undecodable namespace is skipped") {
  FakeApiServer server;
  server.queueList(200, listJson({namespaceJson("a", "10"), namespaceJson("gone", "11")}, "100"));
  // After the relist: `gone` is no longer listed; a namespace whose labels are not strings is skipped
  // (logged), the others are kept.
  server.queueList(200, listJson({namespaceJson("a", "10", R"({"v":"2"})"), namespaceJson("bad", "12", R"({"n":1})"),
                                  namespaceJson("new", "13")},
                                 "200"));
  webhook::NamespaceCache cache(clientFor(server));
  cache.start();
  REQUIRE(eventually([&] { return cache.hasCached("gone"); }));
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(eventJson("ERROR", R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410})"));
  REQUIRE(eventually([&] { return cache.hasCached("new"); }));
  CHECK_FALSE(cache.hasCached("gone"));
  CHECK_FALSE(cache.hasCached("bad"));
  CHECK(label(cache, "a", "v") == "2");
}

TEST_CASE("namespace cache: a namespace not seen yet is fetched with a GET, errors name it") {
  std::atomic<int> gets{0};
  FakeApiServer server(withObjectRoutes([&](const std::string& path) -> std::pair<int, std::string> {
    ++gets;
    if (path == "/api/v1/namespaces/fresh") return {200, namespaceJson("fresh", "5", R"({"team":"red"})")};
    if (path == "/api/v1/namespaces/garbled") return {200, "not json"};
    if (path == "/api/v1/namespaces/impostor") return {200, namespaceJson("other", "5", R"({"team":"red"})")};
    return {404, R"({"kind":"Status","code":404,"message":"namespaces \"missing\" not found"})"};
  }));
  server.queueList(200, listJson({}, "1"));
  webhook::NamespaceCache cache(clientFor(server));
  cache.start();
  REQUIRE(eventually([&] { return cache.synced(); }));

  auto fresh = cache.getNamespace("fresh", admission::kNoDeadline);
  CHECK(fresh.ok);
  CHECK(fresh.labels.at("team") == "red");
  CHECK_FALSE(cache.hasCached("fresh"));  // a GET answer is not cached: the watch brings it
  CHECK(gets == 1);

  auto missing = cache.getNamespace("missing", admission::kNoDeadline);
  CHECK_FALSE(missing.ok);
  CHECK_THAT(missing.error, Catch::StartsWith("namespace \"missing\": ") && Catch::Contains("404"));
  auto garbled = cache.getNamespace("garbled", admission::kNoDeadline);
  CHECK_FALSE(garbled.ok);
  CHECK(garbled.error == "namespace \"garbled\": response is not JSON");
  // An answer naming another namespace is not taken for this one.
  auto impostor = cache.getNamespace("impostor", admission::kNoDeadline);
  CHECK_FALSE(impostor.ok);
  CHECK(impostor.error == "namespace \"impostor\": the answer is not that Namespace (metadata.name \"other\")");
  // Names no namespace has are asked of nobody: "" would GET the list of namespaces, read as one
  // without labels (privileged), for a review naming no namespace.
  const int before = gets;
  const size_t asked = server.requests().size();
  auto unnamed = cache.getNamespace("", admission::kNoDeadline);
  CHECK_FALSE(unnamed.ok);
  CHECK(unnamed.error == "namespace \"\": not a valid namespace name");
  CHECK_FALSE(cache.getNamespace("../x", admission::kNoDeadline).ok);
  CHECK_FALSE(cache.getNamespace("Team", admission::kNoDeadline).ok);
  CHECK(gets == before);
  CHECK(server.requests().size() == asked);
}

TEST_CASE("namespace cache: lists a namespace's pods; undecodable pods are skipped, a bad answer is an error") {
  std::string lastPath;
  FakeApiServer server(withObjectRoutes([&](const std::string& path) -> std::pair<int, std::string> {
    lastPath = path;
    if (path.rfind("/api/v1/namespaces/x/pods", 0) == 0)  // list items carry no kind
      return {200, R"({"kind":"PodList","items":[
        {"metadata":{"name":"p1"},"spec":{"containers":[{"name":"c","image":"i"}]}},
        {"metadata":{"name":"p2"},"spec":{"containers":"not a list"}},
        {"metadata":{"name":"p3","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"m","uid":"cm-1"},
          {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"rs-1","controller":true}]},
         "spec":{"hostNetwork":true,"containers":[{"name":"c","image":"i"}]}}]})"};
    if (path.rfind("/api/v1/namespaces/broken/pods", 0) == 0) return {200, R"({"kind":"PodList"})"};
    return {403, R"({"kind":"Status","code":403,"message":"forbidden"})"};
  }));
  server.queueList(200, listJson({}, "1"));
  webhook::NamespaceCache cache(clientFor(server));

  auto pods = cache.listPods("x", std::chrono::milliseconds(2500));
  CHECK(lastPath == "/api/v1/namespaces/x/pods?timeoutSeconds=2");
  REQUIRE(pods.ok);
  REQUIRE(pods.pods.size() == 2);
  CHECK(pods.pods[0].metadata.name == "p1");
  CHECK(pods.pods[1].metadata.name == "p3");
  CHECK(pods.pods[1].spec.hostNetwork);
  CHECK(pods.controllerUids == std::vector<std::string>{"", "rs-1"});  // the controller, not any owner

  CHECK(cache.listPods("x", std::chrono::milliseconds(10)).ok);
  CHECK(lastPath == "/api/v1/namespaces/x/pods?timeoutSeconds=1");  // never 0 (= the server's default)

  auto broken = cache.listPods("broken", std::chrono::seconds(1));
  CHECK_FALSE(broken.ok);
  CHECK(broken.error == "pod list is not JSON");
  auto forbidden = cache.listPods("secret", std::chrono::seconds(1));
  CHECK_FALSE(forbidden.ok);
  CHECK_THAT(forbidden.error, Catch::Contains("403"));
}

TEST_CASE("namespace cache: the GET of a namespace and the pod list end by their deadline") {
  FakeApiServer server(withObjectRoutes([&](const std::string&) -> std::pair<int, std::string> {
    std::this_thread::sleep_for(std::chrono::seconds(2));  // an API server slower than the webhook may wait
    return {200, namespaceJson("slow", "5")};
  }));
  server.queueList(200, listJson({}, "1"));
  webhook::NamespaceCache cache(clientFor(server));
  auto lookup = cache.getNamespace("slow", std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
  CHECK_FALSE(lookup.ok);
  CHECK(lookup.error == "namespace \"slow\": context deadline exceeded");
  auto pods = cache.listPods("slow", std::chrono::milliseconds(100));
  CHECK_FALSE(pods.ok);
  CHECK(pods.error == "context deadline exceeded");
}

// Every watch event publishes a new snapshot; readers on other threads must see each namespace's
// labels whole (both labels of one event, never one from the next), never go back in time, and see
// the last event eventually. Two caches are read alternately from the same threads: each thread keeps
// one pointer copy, and it must never hand one cache's labels to the other.
TEST_CASE("namespace cache: concurrent lookups see whole, monotonic snapshots while the watch writes") {
  FakeApiServer serverA, serverB;
  serverA.queueList(200, listJson({namespaceJson("ns", "1", R"({"gen":"0","copy":"0"})")}, "1"));
  serverB.queueList(200, listJson({namespaceJson("ns", "1", R"({"gen":"b","copy":"b"})"), namespaceJson("only-b", "2")}, "2"));
  webhook::NamespaceCache a(clientFor(serverA)), b(clientFor(serverB));
  a.start();
  b.start();
  REQUIRE(eventually([&] { return a.synced() && b.synced(); }));
  REQUIRE(serverA.waitForOpenWatch());

  constexpr int kEvents = 300;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, backwards{0}, crossed{0}, reads{0};
  auto reader = [&] {
    int seen = 0;
    while (!done) {
      auto lookup = a.getNamespace("ns", admission::kNoDeadline);
      const std::string gen = lookup.labels.count("gen") ? lookup.labels.at("gen") : "?";
      if (!lookup.ok || lookup.labels.count("copy") == 0 || lookup.labels.at("copy") != gen) ++torn;
      int now = std::atoi(gen.c_str());
      if (now < seen) ++backwards;
      seen = now;
      if (a.hasCached("only-b") || label(b, "ns", "gen") != "b" || !b.hasCached("only-b")) ++crossed;
      ++reads;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) readers.emplace_back(reader);
  // Under load the readers may not have run yet: the events must race with reads, so wait for one.
  REQUIRE(eventually([&] { return reads > 0; }));
  for (int i = 1; i <= kEvents; ++i) {
    std::string n = std::to_string(i);
    serverA.pushEvent(eventJson("MODIFIED", namespaceJson("ns", std::to_string(100 + i), R"({"gen":")" + n + R"(","copy":")" + n + R"("})")));
  }
  bool converged = eventually([&] { return label(a, "ns", "gen") == std::to_string(kEvents); }, 10000);
  done = true;
  for (auto& t : readers) t.join();
  CHECK(converged);
  CHECK(reads > 0);
  CHECK(torn == 0);
  CHECK(backwards == 0);
  CHECK(crossed == 0);
}
