// kube::ApiClient and kube::Reflector against a real kube-apiserver started by
// tests/e2e/api_client_e2e_test.sh (tests/e2e/cluster.sh); the cluster's DIR/env is in the environment.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/api_client.h"
#include "kube/api_object_store.h"
#include "kube/kubeconfig.h"
#include "kube/reflector.h"
#include "tests/e2e/e2e_support.h"

namespace {

using e2e::env;
using e2e::kubectl;

// Records reflector callbacks as "ADDED name" etc., so that tests can wait for one to appear.
class EventLog {
 public:
  void replace(std::vector<nlohmann::json> items) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++replaces_;
    for (const auto& item : items) lastList_.push_back(item["metadata"]["name"].get<std::string>());
    changed_.notify_all();
  }
  void event(const std::string& type, const nlohmann::json& object) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push_back({type, object});
    changed_.notify_all();
  }
  // The first event of `type` for `name` whose object satisfies `predicate`.
  std::optional<nlohmann::json> waitFor(const std::string& type, const std::string& name,
                                        const std::function<bool(const nlohmann::json&)>& predicate = nullptr,
                                        int timeoutSeconds = 20) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::optional<nlohmann::json> found;
    changed_.wait_for(lock, std::chrono::seconds(timeoutSeconds), [&] {
      for (const auto& entry : entries_)
        if (entry.first == type && entry.second["metadata"]["name"] == name && (!predicate || predicate(entry.second))) {
          found = entry.second;
          return true;
        }
      return false;
    });
    return found;
  }
  int count(const std::string& type, const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    int n = 0;
    for (const auto& entry : entries_) n += entry.first == type && entry.second["metadata"]["name"] == name;
    return n;
  }
  int replaces() {
    std::lock_guard<std::mutex> lock(mutex_);
    return replaces_;
  }
  std::vector<std::string> lastList() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lastList_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, nlohmann::json>> entries_;
  std::vector<std::string> lastList_;
  int replaces_ = 0;
};

// Without kube-controller-manager nobody removes the `kubernetes` finalizer of a deleted namespace;
// do what the namespace controller does (PUT .../finalize with no finalizers).
void deleteNamespace(const std::string& name) {
  kubectl("delete namespace " + name + " --wait=false");
  kubectl("replace --raw /api/v1/namespaces/" + name + "/finalize -f -",
          R"({"kind":"Namespace","apiVersion":"v1","metadata":{"name":")" + name + R"("},"spec":{"finalizers":[]}})");
}

std::unique_ptr<kube::Reflector> namespaceReflector(std::shared_ptr<const kube::ApiClient> client, EventLog& log,
                                                    kube::ReflectorOptions options = {}) {
  auto reflector = std::make_unique<kube::Reflector>(
      std::move(client), "/api/v1/namespaces",
      [&log](std::vector<nlohmann::json> items) { log.replace(std::move(items)); },
      [&log](const std::string& type, const nlohmann::json& object) { log.event(type, object); }, options);
  reflector->start();
  return reflector;
}

}  // namespace

TEST_CASE("e2e: the cluster.sh kubeconfig lists namespaces") {
  kube::KubeConfig config = kube::loadKubeconfig(env("KUBECONFIG"));
  CHECK(config.server == env("APISERVER_URL"));
  kube::ApiClient client(config);
  auto response = client.get("/api/v1/namespaces");
  INFO(response.describe());
  REQUIRE(response.ok());
  auto list = nlohmann::json::parse(response.body);
  CHECK(list["kind"] == "NamespaceList");
  std::vector<std::string> names;
  for (const auto& item : list["items"]) names.push_back(item["metadata"]["name"].get<std::string>());
  CHECK_THAT(names, Catch::VectorContains(std::string("default")));
  CHECK_THAT(names, Catch::VectorContains(std::string("kube-system")));
}

TEST_CASE("e2e: the apiserver's own certificate verifies with CA checking on") {
  // kube-apiserver's self-signed bundle (leaf + its CA) has IP SAN 127.0.0.1.
  kube::KubeConfig config;
  config.server = env("APISERVER_URL");
  config.bearerToken = env("ADMIN_TOKEN");
  std::ifstream in(env("CLUSTER_DIR") + "/pki/apiserver.crt");
  config.caPem.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  REQUIRE_FALSE(config.caPem.empty());
  auto response = kube::ApiClient(config).get("/api/v1/namespaces/default");
  INFO(response.describe());
  CHECK(response.ok());

  config.caPem.clear();  // the system trust store does not know this CA
  auto untrusted = kube::ApiClient(config).get("/api/v1/namespaces/default");
  CHECK_FALSE(untrusted.ok());
  CHECK_THAT(untrusted.error, Catch::Contains("certificate verify failed"));
}

TEST_CASE("e2e: API errors come back as Status messages") {
  kube::KubeConfig config = kube::loadKubeconfig(env("KUBECONFIG"));
  config.bearerToken = env("EVE_TOKEN");  // authenticated, no RBAC bindings
  auto response = kube::ApiClient(config).get("/api/v1/namespaces");
  CHECK(response.status == 403);
  CHECK_THAT(response.describe(), Catch::StartsWith("HTTP 403: namespaces is forbidden: User \"eve\""));

  config.bearerToken = "not-a-token";
  CHECK(kube::ApiClient(config).get("/api/v1/namespaces").status == 401);
}

TEST_CASE("e2e: the reflector sees a namespace created, labelled and deleted with kubectl") {
  auto client = std::make_shared<kube::ApiClient>(kube::loadKubeconfig(env("KUBECONFIG")));
  EventLog log;
  kube::ObjectStore store;
  kube::Reflector storeReflector(client, "/api/v1/namespaces", store.replaceHandler(), store.eventHandler());
  storeReflector.start();
  auto reflector = namespaceReflector(client, log);
  REQUIRE(reflector->waitForSync(std::chrono::seconds(20)));
  REQUIRE(storeReflector.waitForSync(std::chrono::seconds(20)));
  CHECK_THAT(log.lastList(), Catch::VectorContains(std::string("default")));
  CHECK(store.get("", "kube-system") != nullptr);

  kubectl("create namespace kguard-e2e-reflector");
  auto added = log.waitFor("ADDED", "kguard-e2e-reflector");
  REQUIRE(added);
  CHECK((*added)["metadata"]["resourceVersion"].is_string());

  kubectl("label namespace kguard-e2e-reflector team=red");
  auto labelled = log.waitFor("MODIFIED", "kguard-e2e-reflector", [](const nlohmann::json& object) {
    return kube::labelsOf(object).count("team") && kube::labelsOf(object).at("team") == "red";
  });
  REQUIRE(labelled);
  CHECK(std::stoll(reflector->resourceVersion()) >= std::stoll((*labelled)["metadata"]["resourceVersion"].get<std::string>()));
  for (int i = 0; i < 100 && store.labels("", "kguard-e2e-reflector").value_or(std::map<std::string, std::string>{})["team"] != "red"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(store.labels("", "kguard-e2e-reflector") == std::map<std::string, std::string>{{"team", "red"}});

  deleteNamespace("kguard-e2e-reflector");
  REQUIRE(log.waitFor("DELETED", "kguard-e2e-reflector"));
  for (int i = 0; i < 100 && store.get("", "kguard-e2e-reflector"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(store.get("", "kguard-e2e-reflector") == nullptr);
  CHECK(log.replaces() == 1);

  auto started = std::chrono::steady_clock::now();
  reflector->stop();
  storeReflector.stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
}

TEST_CASE("e2e: watches that the server times out resume without relisting or replaying") {
  auto client = std::make_shared<kube::ApiClient>(kube::loadKubeconfig(env("KUBECONFIG")));
  EventLog log;
  kube::ReflectorOptions options;
  options.minWatchTimeout = std::chrono::seconds(1);  // the apiserver ends each watch after 1-2 s
  auto reflector = namespaceReflector(client, log, options);
  REQUIRE(reflector->waitForSync(std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(4));  // at least two watches have ended by now

  kubectl("create namespace kguard-e2e-resume");
  REQUIRE(log.waitFor("ADDED", "kguard-e2e-resume"));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  kubectl("label namespace kguard-e2e-resume step=two");
  REQUIRE(log.waitFor("MODIFIED", "kguard-e2e-resume", [](const nlohmann::json& object) {
    return kube::labelsOf(object).count("step") == 1;
  }));
  deleteNamespace("kguard-e2e-resume");
  REQUIRE(log.waitFor("DELETED", "kguard-e2e-resume"));

  // Resuming from a stale resourceVersion would replay events: each one must be seen exactly once.
  CHECK(log.count("ADDED", "kguard-e2e-resume") == 1);
  CHECK(log.count("DELETED", "kguard-e2e-resume") == 1);
  CHECK(log.count("ADDED", "default") == 0);
  CHECK(log.replaces() == 1);
  CHECK(reflector->lastError().empty());
  reflector->stop();
}

TEST_CASE("e2e: a reflector without permission keeps retrying and never syncs") {
  kube::KubeConfig config = kube::loadKubeconfig(env("KUBECONFIG"));
  config.bearerToken = env("EVE_TOKEN");
  EventLog log;
  kube::ReflectorOptions options;
  options.initialBackoff = std::chrono::milliseconds(50);
  auto reflector = namespaceReflector(std::make_shared<kube::ApiClient>(config), log, options);
  CHECK_FALSE(reflector->waitForSync(std::chrono::seconds(1)));
  CHECK_THAT(reflector->lastError(), Catch::Contains("HTTP 403"));
  reflector->stop();
}

TEST_CASE("e2e: a watch with an idle stream stops promptly") {
  kube::ApiClient client(kube::loadKubeconfig(env("KUBECONFIG")));
  auto list = nlohmann::json::parse(client.get("/api/v1/namespaces").body);
  std::string rv = list["metadata"]["resourceVersion"];
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop = true;
  });
  auto started = std::chrono::steady_clock::now();
  int lines = 0;
  auto result = client.watch("/api/v1/namespaces?watch=1&resourceVersion=" + rv + "&timeoutSeconds=60",
                             [&](const std::string&) { return ++lines, true; }, stop);
  stopper.join();
  CHECK(result.error == "stopped");
  CHECK(lines == 0);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500));
}

TEST_CASE("e2e: a field-selected pod reflector sees only its node's pods, and their status changes") {
  auto client = std::make_shared<kube::ApiClient>(kube::loadKubeconfig(env("KUBECONFIG")));
  auto podJson = [](const std::string& name, const std::string& node) {
    return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
           R"("},"spec":{"nodeName":")" + node + R"(","containers":[{"name":"c","image":"registry.example/app:1"}]}})";
  };
  EventLog log;
  kube::Reflector reflector(
      client, "/api/v1/pods?fieldSelector=" + kube::urlEncode("spec.nodeName=node-a"),
      [&log](std::vector<nlohmann::json> items) { log.replace(std::move(items)); },
      [&log](const std::string& type, const nlohmann::json& object) { log.event(type, object); });
  reflector.start();
  REQUIRE(reflector.waitForSync(std::chrono::seconds(20)));

  auto created = client->post("/api/v1/namespaces/default/pods", podJson("kguard-e2e-pod-b", "node-b"));
  INFO(created.describe());
  REQUIRE(created.status == 201);
  REQUIRE(client->post("/api/v1/namespaces/default/pods", podJson("kguard-e2e-pod-a", "node-a")).status == 201);
  REQUIRE(log.waitFor("ADDED", "kguard-e2e-pod-a"));

  // There is no kubelet: set the pod IP through the status subresource, as cluster_set_pod_status does.
  auto patched = client->patch("/api/v1/namespaces/default/pods/kguard-e2e-pod-a/status",
                               R"({"status":{"podIP":"10.1.2.3","podIPs":[{"ip":"10.1.2.3"}]}})");
  INFO(patched.describe());
  REQUIRE(patched.ok());
  auto modified = log.waitFor("MODIFIED", "kguard-e2e-pod-a", [](const nlohmann::json& pod) {
    return pod["status"].value("podIP", "") == "10.1.2.3";
  });
  CHECK(modified);

  REQUIRE(client->del("/api/v1/namespaces/default/pods/kguard-e2e-pod-a").ok());
  REQUIRE(client->del("/api/v1/namespaces/default/pods/kguard-e2e-pod-b").ok());
  // Without a kubelet a deleted pod (scheduled to a node) waits for the kubelet to confirm; the
  // reflector sees the graceful deletion as MODIFIED with deletionTimestamp.
  CHECK(log.waitFor("MODIFIED", "kguard-e2e-pod-a", [](const nlohmann::json& pod) {
    return pod["metadata"].contains("deletionTimestamp");
  }));
  CHECK(log.count("ADDED", "kguard-e2e-pod-b") == 0);
  reflector.stop();
}
