// RoleCache against the scripted fake API server (tests/kube/fake_api_server.h): ClusterRoles listed and
// watched (the fake's collection), aggregation recomputed on every change, a relist when the watch's
// resourceVersion is gone (410), Roles from their own collection, and the GET of a role not cached yet,
// bounded by the request's deadline.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include <httplib.h>

#include "cache_test_support.h"
#include "tests/kube/fake_api_server.h"
#include "webhook/role_cache.h"

using admission::kNoDeadline;
using admission::RoleLookup;
using cache_test::clientFor;
using cache_test::eventually;
using kube_test::eventJson;
using kube_test::FakeApiServer;
using kube_test::FakeServerOptions;
using kube_test::listJson;

namespace {

const std::string kRbac = "/apis/rbac.authorization.k8s.io/v1";

// A ClusterRole (list item or event object: no kind, as the API server sends them).
std::string clusterRole(const std::string& name, const std::string& rv, const std::string& labels, const std::string& rules,
                        const std::string& aggregationRule = "") {
  return R"({"metadata":{"name":")" + name + R"(","resourceVersion":")" + rv + R"(","labels":)" + labels + R"(},"rules":)" +
         rules + (aggregationRule.empty() ? "" : R"(,"aggregationRule":)" + aggregationRule) + "}";
}
const std::string kGetPods = R"([{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}])";
const std::string kEverything = R"([{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}])";
const std::string kSelectsTeamCi = R"({"clusterRoleSelectors":[{"matchLabels":{"team":"ci"}}]})";

// The fake's catch-all serves the ClusterRole collection; these routes serve the Role collection (one
// Role, and a watch that stays open and silent), and single objects through `object`.
struct Routes {
  std::atomic<bool> done{false};
  std::function<std::pair<int, std::string>(const std::string& path)> object = [](const std::string&) {
    return std::pair<int, std::string>{404, R"({"kind":"Status","code":404})"};
  };
  FakeServerOptions options() {
    FakeServerOptions o;
    o.extraRoutes = [this](httplib::Server& server) {
      server.Get(kRbac + "/roles", [this](const httplib::Request& req, httplib::Response& res) {
        if (req.get_param_value("watch") != "1") {
          res.set_content(listJson({R"({"metadata":{"name":"dev","namespace":"ns1","resourceVersion":"7"},)"
                                    R"("rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["list"]}]})"},
                                   "7"),
                          "application/json");
          return;
        }
        res.set_chunked_content_provider("application/json", [this](size_t, httplib::DataSink& sink) {
          while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(10));
          sink.done();
          return true;
        });
      });
      server.Get(kRbac + R"((/namespaces/[^/]+/roles|/clusterroles)/[^/]+)", [this](const httplib::Request& req, httplib::Response& res) {
        auto [status, body] = object(req.path);
        res.status = status;
        res.set_content(body, "application/json");
      });
    };
    return o;
  }
};

// Ends the silent Role watch before the server shuts down (declared after the server: destroyed first).
struct EndWatches {
  Routes& routes;
  ~EndWatches() { routes.done = true; }
};

bool grants(const rbac::Role& role, const std::string& resource) {
  return std::any_of(role.rules.begin(), role.rules.end(), [&](const rbac::PolicyRule& r) {
    return std::find(r.resources.begin(), r.resources.end(), resource) != r.resources.end();
  });
}

}  // namespace

TEST_CASE("role cache: lists and watches ClusterRoles and Roles, aggregation follows every change") {
  Routes routes;
  FakeApiServer server(routes.options());
  EndWatches end{routes};
  server.queueList(200, listJson({clusterRole("reader", "10", R"({"team":"ci"})", kGetPods),
                                  clusterRole("collector", "11", "{}", "[]", kSelectsTeamCi)},
                                 "100"));
  webhook::RoleCache cache(clientFor(server));
  CHECK_FALSE(cache.synced());
  cache.start();
  REQUIRE(eventually([&] { return cache.synced(); }));

  auto reader = cache.getRole("ClusterRole", "", "reader", kNoDeadline);
  REQUIRE(reader.status == RoleLookup::Status::Found);
  CHECK(grants(reader.role, "pods"));
  auto dev = cache.getRole("Role", "ns1", "dev", kNoDeadline);
  REQUIRE(dev.status == RoleLookup::Status::Found);
  CHECK(grants(dev.role, "secrets"));
  // The aggregated role stores no rules; the cache gives it what the aggregation controller would.
  auto collector = cache.getRole("ClusterRole", "", "collector", kNoDeadline);
  REQUIRE(collector.status == RoleLookup::Status::Found);
  CHECK(grants(collector.role, "pods"));
  CHECK_FALSE(grants(collector.role, "*"));

  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(eventJson("ADDED", clusterRole("power", "101", R"({"team":"ci"})", kEverything)));
  REQUIRE(eventually([&] { return grants(cache.getRole("ClusterRole", "", "collector", kNoDeadline).role, "*"); }));
  server.pushEvent(eventJson("MODIFIED", clusterRole("reader", "102", R"({"team":"ci"})",
                                                     R"([{"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}])")));
  REQUIRE(eventually([&] { return grants(cache.getRole("ClusterRole", "", "reader", kNoDeadline).role, "configmaps"); }));
  CHECK(grants(cache.getRole("ClusterRole", "", "collector", kNoDeadline).role, "configmaps"));
  CHECK_FALSE(grants(cache.getRole("ClusterRole", "", "collector", kNoDeadline).role, "pods"));
  server.pushEvent(eventJson("DELETED", clusterRole("power", "103", R"({"team":"ci"})", kEverything)));
  REQUIRE(eventually([&] { return !grants(cache.getRole("ClusterRole", "", "collector", kNoDeadline).role, "*"); }));

  // What an aggregationRule being written would select: the roles as stored.
  auto stored = cache.storedClusterRoles();
  REQUIRE(stored.roles.size() == 2);
  // Every lookup above came from memory: no GET of a single role.
  for (const auto& r : server.requests()) CHECK(r.path.rfind(kRbac + "/clusterroles/", 0) != 0);
}

TEST_CASE("role cache: a watch whose resourceVersion is gone (410) relists, and the relist replaces the roles") {
  Routes routes;
  FakeApiServer server(routes.options());
  EndWatches end{routes};
  server.queueList(200, listJson({clusterRole("gone", "10", "{}", kGetPods)}, "100"));
  server.queueList(200, listJson({clusterRole("new", "20", "{}", kGetPods), R"({"metadata":{"name":"bad"},"rules":"x"})"}, "200"));
  webhook::RoleCache cache(clientFor(server));
  cache.start();
  REQUIRE(eventually([&] { return cache.synced(); }));
  REQUIRE(server.waitForOpenWatch());
  server.pushEvent(eventJson("ERROR", R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410})"));
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& r : cache.storedClusterRoles().roles) out.push_back(r.name);
    return out;
  };
  REQUIRE(eventually([&] { return names() == std::vector<std::string>{"new"}; }));  // "bad" skipped, logged
  // A role gone from the cache is asked for with a GET; the API server says it does not exist.
  CHECK(cache.getRole("ClusterRole", "", "gone", kNoDeadline).status == RoleLookup::Status::NotFound);
}

TEST_CASE("role cache: a role not cached yet is read with a GET, within the request's deadline") {
  Routes routes;
  routes.object = [](const std::string& path) -> std::pair<int, std::string> {
    if (path == kRbac + "/clusterroles/fresh") return {200, clusterRole("fresh", "5", "{}", kEverything)};
    if (path == kRbac + "/namespaces/ns2/roles/fresh")
      return {200, R"({"metadata":{"name":"fresh","namespace":"ns2"},"rules":)" + kGetPods + "}"};
    if (path == kRbac + "/clusterroles/broken") return {500, R"({"kind":"Status","code":500,"message":"etcd down"})"};
    if (path == kRbac + "/clusterroles/impostor") return {200, clusterRole("other", "5", "{}", kEverything)};
    if (path == kRbac + "/clusterroles/slow") std::this_thread::sleep_for(std::chrono::seconds(2));
    return {404, R"({"kind":"Status","code":404})"};
  };
  FakeApiServer server(routes.options());
  EndWatches end{routes};
  server.queueList(200, listJson({}, "1"));
  webhook::RoleCache cache(clientFor(server));  // not started: nothing cached

  auto fresh = cache.getRole("ClusterRole", "", "fresh", kNoDeadline);
  REQUIRE(fresh.status == RoleLookup::Status::Found);
  CHECK(grants(fresh.role, "*"));
  auto namespaced = cache.getRole("Role", "ns2", "fresh", kNoDeadline);
  REQUIRE(namespaced.status == RoleLookup::Status::Found);
  CHECK(namespaced.role.namespace_ == "ns2");
  CHECK(cache.getRole("ClusterRole", "", "missing", kNoDeadline).status == RoleLookup::Status::NotFound);
  auto broken = cache.getRole("ClusterRole", "", "broken", kNoDeadline);
  CHECK(broken.status == RoleLookup::Status::Failed);
  CHECK_THAT(broken.error, Catch::StartsWith("clusterrole \"broken\": HTTP 500"));
  CHECK(cache.getRole("Group", "", "x", kNoDeadline).status == RoleLookup::Status::Failed);
  // An answer naming another role is not taken for this one.
  auto impostor = cache.getRole("ClusterRole", "", "impostor", kNoDeadline);
  CHECK(impostor.status == RoleLookup::Status::Failed);
  CHECK(impostor.error == "clusterrole \"impostor\": the answer is not that role (metadata.name \"other\")");
  // Names no role has are asked of nobody: "" would GET the whole collection, read as a role.
  const size_t asked = server.requests().size();
  CHECK(cache.getRole("ClusterRole", "", "", kNoDeadline).error == "clusterrole \"\": not a valid name");
  CHECK(cache.getRole("ClusterRole", "", "..", kNoDeadline).status == RoleLookup::Status::Failed);
  CHECK(cache.getRole("ClusterRole", "", "a/b", kNoDeadline).status == RoleLookup::Status::Failed);
  CHECK(cache.getRole("Role", "", "fresh", kNoDeadline).error == "role \"/fresh\": not a valid name");
  CHECK(cache.getRole("Role", "NS2", "fresh", kNoDeadline).status == RoleLookup::Status::Failed);
  CHECK(server.requests().size() == asked);

  // The API server waits for the webhook only so long: the GET is abandoned at the request's deadline.
  auto slow = cache.getRole("ClusterRole", "", "slow", std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
  CHECK(slow.status == RoleLookup::Status::Failed);
  CHECK(slow.error == "clusterrole \"slow\": context deadline exceeded");
}
