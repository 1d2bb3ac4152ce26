// rbac::listRbacManifests against a fake API server (tests/kube/fake_api_server.h): pagination with
// continue tokens, kind/apiVersion set on list items, an expired continue token, errors naming the
// server and the collection, and the result run through the very same decode + evaluator as -f.
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api_test_support.h"
#include "fake_api_server.h"
#include "kube/api_client.h"
#include "kube/manifest.h"
#include "rbac/evaluator.h"
#include "rbac/live_source.h"
#include "rbac/policy_decode.h"
#include "rbac/user_info.h"

using kube_test::FakeApiServer;
using kube_test::FakeServerOptions;
using nlohmann::json;

namespace {

const std::string kPrefix = "/apis/rbac.authorization.k8s.io/v1/";

// Serves each RBAC collection from its items, `limit` items per page, with continue tokens
// "RESOURCE-OFFSET"; records every (resource, limit, continue). `expireContinue` answers the first
// request carrying a continue token with 410 Gone; `failures` answers a resource with (status, body).
struct FakeRbacApi {
  std::map<std::string, std::vector<json>> items;
  std::map<std::string, std::pair<int, std::string>> failures;
  bool expireContinue = false;

  struct Seen {
    std::string resource, limit, continueToken, authorization;
  };
  std::vector<Seen> seen;
  std::mutex mutex;

  void routes(httplib::Server& server) {
    server.Get(kPrefix + "([a-z]+)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex);
      std::string resource = req.matches[1];
      std::string limit = req.get_param_value("limit"), cont = req.get_param_value("continue");
      seen.push_back({resource, limit, cont, req.get_header_value("Authorization")});
      if (failures.count(resource)) {
        res.status = failures[resource].first;
        res.set_content(failures[resource].second, "application/json");
        return;
      }
      if (expireContinue && !cont.empty()) {
        expireContinue = false;
        res.status = 410;
        res.set_content(R"({"kind":"Status","code":410,"reason":"Expired","message":"continue token expired"})",
                        "application/json");
        return;
      }
      const auto& all = items[resource];
      size_t offset = cont.empty() ? 0 : std::stoul(cont.substr(cont.rfind('-') + 1));
      size_t n = limit.empty() ? all.size() : std::stoul(limit);
      json page = {{"kind", "List"}, {"apiVersion", "rbac.authorization.k8s.io/v1"},
                   {"metadata", {{"resourceVersion", "42"}}}, {"items", json::array()}};
      for (size_t i = offset; i < all.size() && i < offset + n; ++i) page["items"].push_back(all[i]);
      if (offset + n < all.size()) page["metadata"]["continue"] = resource + "-" + std::to_string(offset + n);
      res.set_content(page.dump(), "application/json");
    });
  }
};

// Items as the API server lists them: no kind, no apiVersion.
json clusterRole(const std::string& name, const std::string& verb, const std::string& resource) {
  return {{"metadata", {{"name", name}, {"resourceVersion", "1"}}},
          {"rules", {{{"apiGroups", {""}}, {"resources", {resource}}, {"verbs", {verb}}}}}};
}
json role(const std::string& ns, const std::string& name, const std::string& verb, const std::string& resource) {
  json r = clusterRole(name, verb, resource);
  r["metadata"]["namespace"] = ns;
  return r;
}
json binding(const std::string& ns, const std::string& name, const std::string& roleKind, const std::string& roleName,
             const std::string& subjectKind, const std::string& subject) {
  json b = {{"metadata", {{"name", name}}},
            {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", roleKind}, {"name", roleName}}},
            {"subjects", {{{"kind", subjectKind}, {"name", subject}, {"apiGroup", "rbac.authorization.k8s.io"}}}}};
  if (!ns.empty()) b["metadata"]["namespace"] = ns;
  return b;
}

void fillWorld(FakeRbacApi& api) {
  api.items["clusterroles"] = {clusterRole("cr-a", "get", "nodes"), clusterRole("cr-b", "list", "namespaces"),
                               clusterRole("cr-c", "watch", "persistentvolumes")};
  api.items["clusterrolebindings"] = {binding("", "crb-c", "ClusterRole", "cr-c", "Group", "auditors")};
  api.items["roles"] = {role("dev", "reader", "get", "pods"), role("dev", "lister", "list", "pods"),
                        role("ops", "exec", "create", "pods/exec")};
  api.items["rolebindings"] = {binding("dev", "alice-reader", "Role", "reader", "User", "alice"),
                               binding("ops", "bob-exec", "Role", "exec", "User", "bob")};
}

kube::KubeConfig configFor(const FakeApiServer& server) {
  kube::KubeConfig config;
  config.server = server.url();
  config.bearerToken = "t0ken";
  return config;
}

rbac::Evaluator evaluatorOf(const std::vector<kube::Manifest>& manifests) {
  return rbac::Evaluator(rbac::decodePolicy(manifests), rbac::EvaluatorOptions{});
}

rbac::Request resourceRequest(const std::string& verb, const std::string& resource, const std::string& ns,
                              const std::string& subresource = "") {
  rbac::Request r;
  r.resourceRequest = true;
  r.verb = verb;
  r.resource = resource;
  r.subresource = subresource;
  r.namespace_ = ns;
  return r;
}

std::string errorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const kube::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("live source: pages are followed and items get kind and apiVersion", "[rbac][live]") {
  FakeRbacApi api;
  fillWorld(api);
  FakeApiServer server(FakeServerOptions{false, "server", false, [&](httplib::Server& s) { api.routes(s); }});
  kube::ApiClient client(configFor(server));

  auto manifests = rbac::listRbacManifests(client, rbac::LiveListOptions{2});
  REQUIRE(manifests.size() == 9);
  std::vector<std::string> kinds, names;
  for (const auto& m : manifests) {
    kinds.push_back(m.kind());
    names.push_back(m.name());
    CHECK(m.apiVersion() == "rbac.authorization.k8s.io/v1");
    CHECK(m.where.document == 1);
  }
  CHECK(kinds == std::vector<std::string>{"ClusterRole", "ClusterRole", "ClusterRole", "ClusterRoleBinding", "Role",
                                          "Role", "Role", "RoleBinding", "RoleBinding"});
  // Server order within each collection, collections in kubectl's order.
  CHECK(names == std::vector<std::string>{"cr-a", "cr-b", "cr-c", "crb-c", "reader", "lister", "exec", "alice-reader",
                                          "bob-exec"});
  CHECK(manifests[2].where.file == server.url() + kPrefix + "clusterroles/cr-c");
  CHECK(manifests[7].where.file == server.url() + kPrefix + "namespaces/dev/rolebindings/alice-reader");

  // Requests: limit on every page, the continue token of the previous page, the kubeconfig's token.
  std::vector<std::string> trail;
  for (const auto& s : api.seen) {
    trail.push_back(s.resource + "?" + s.limit + "&" + s.continueToken);
    CHECK(s.authorization == "Bearer t0ken");
  }
  CHECK(trail == std::vector<std::string>{"clusterroles?2&", "clusterroles?2&clusterroles-2", "clusterrolebindings?2&",
                                          "roles?2&", "roles?2&roles-2", "rolebindings?2&"});

  // The same decode and evaluator as -f: items from second pages count.
  auto evaluator = evaluatorOf(manifests);
  CHECK(evaluator.allows(rbac::UserInfo{"carol", {"auditors"}}, resourceRequest("watch", "persistentvolumes", "")));
  CHECK_FALSE(evaluator.allows(rbac::UserInfo{"carol", {"auditors"}}, resourceRequest("get", "nodes", "")));
  CHECK(evaluator.allows(rbac::UserInfo{"alice", {}}, resourceRequest("get", "pods", "dev")));
  CHECK_FALSE(evaluator.allows(rbac::UserInfo{"alice", {}}, resourceRequest("get", "pods", "ops")));
  CHECK(evaluator.allows(rbac::UserInfo{"bob", {}}, resourceRequest("create", "pods", "ops", "exec")));
  // Reports name the object's URL as its source.
  auto decision = evaluator.decide(rbac::UserInfo{"alice", {}}, resourceRequest("get", "pods", "dev"));
  REQUIRE(decision.allowedBy);
  CHECK(evaluator.policy().bindings[decision.allowedBy->binding].source ==
        server.url() + kPrefix + "namespaces/dev/rolebindings/alice-reader: document 1");
  CHECK(evaluator.policy().roles[decision.allowedBy->role].file == server.url() + kPrefix + "namespaces/dev/roles/reader");
}

TEST_CASE("live source: page size 0 lists each collection at once", "[rbac][live]") {
  FakeRbacApi api;
  fillWorld(api);
  FakeApiServer server(FakeServerOptions{false, "server", false, [&](httplib::Server& s) { api.routes(s); }});
  kube::ApiClient client(configFor(server));
  CHECK(rbac::listRbacManifests(client, rbac::LiveListOptions{0}).size() == 9);
  REQUIRE(api.seen.size() == 4);
  for (const auto& s : api.seen) CHECK(s.limit.empty());
}

TEST_CASE("live source: an empty cluster and null items give no objects", "[rbac][live]") {
  FakeApiServer server(FakeServerOptions{false, "server", false, [](httplib::Server& s) {
    s.Get(kPrefix + "[a-z]+", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"kind":"List","metadata":{"resourceVersion":"1"},"items":null})", "application/json");
    });
  }});
  kube::ApiClient client(configFor(server));
  CHECK(rbac::listRbacManifests(client).empty());
}

TEST_CASE("live source: an expired continue token relists the collection without pagination", "[rbac][live]") {
  FakeRbacApi api;
  fillWorld(api);
  api.expireContinue = true;
  FakeApiServer server(FakeServerOptions{false, "server", false, [&](httplib::Server& s) { api.routes(s); }});
  kube::ApiClient client(configFor(server));

  auto manifests = rbac::listRbacManifests(client, rbac::LiveListOptions{2});
  REQUIRE(manifests.size() == 9);  // no duplicates of the first page
  CHECK(manifests[0].name() == "cr-a");
  CHECK(manifests[2].name() == "cr-c");
  REQUIRE(api.seen.size() >= 3);
  CHECK(api.seen[1].continueToken == "clusterroles-2");  // answered 410
  CHECK(api.seen[2].resource == "clusterroles");
  CHECK(api.seen[2].limit.empty());
  CHECK(api.seen[2].continueToken.empty());
}

TEST_CASE("live source: errors name the server and the collection", "[rbac][live]") {
  FakeRbacApi api;
  fillWorld(api);
  FakeApiServer server(FakeServerOptions{false, "server", false, [&](httplib::Server& s) { api.routes(s); }});
  kube::ApiClient client(configFor(server));

  SECTION("403 on rolebindings") {
    api.failures["rolebindings"] = {403, R"({"kind":"Status","code":403,"message":"rolebindings.rbac.authorization.k8s.io is forbidden: User \"eve\" cannot list resource"})"};
    std::string message = errorOf([&] { rbac::listRbacManifests(client); });
    CHECK_THAT(message, Catch::Contains("cannot list rolebindings.rbac.authorization.k8s.io from " + server.url()));
    CHECK_THAT(message, Catch::Contains("HTTP 403: rolebindings.rbac.authorization.k8s.io is forbidden"));
    CHECK_THAT(message, Catch::Contains("needs list on clusterroles"));
  }
  SECTION("401 on clusterroles") {
    api.failures["clusterroles"] = {401, R"({"kind":"Status","code":401,"message":"Unauthorized"})"};
    std::string message = errorOf([&] { rbac::listRbacManifests(client); });
    CHECK_THAT(message, Catch::Contains("cannot list clusterroles.rbac.authorization.k8s.io from " + server.url() +
                                        ": HTTP 401: Unauthorized"));
    CHECK_THAT(message, Catch::Contains("credentials were not accepted"));
  }
  SECTION("a body that is not JSON") {
    api.failures["roles"] = {200, "<html>proxy</html>"};
    CHECK_THAT(errorOf([&] { rbac::listRbacManifests(client); }),
               Catch::Contains("cannot list roles.rbac.authorization.k8s.io from " + server.url() +
                               ": the response is not a JSON object"));
  }
  SECTION("items that are not objects") {
    api.failures["clusterrolebindings"] = {200, R"({"items":[{"metadata":{"name":"x"}}, 7]})"};
    CHECK_THAT(errorOf([&] { rbac::listRbacManifests(client); }), Catch::Contains("items[1] is not an object"));
  }
  SECTION("a continue token that never changes") {
    api.failures["clusterroles"] = {200, R"({"metadata":{"continue":"same"},"items":[]})"};
    CHECK_THAT(errorOf([&] { rbac::listRbacManifests(client); }), Catch::Contains("same continue token twice"));
  }
}

TEST_CASE("live source: with skippedForbidden a 403 collection is left out with a note", "[rbac][live]") {
  FakeRbacApi api;
  fillWorld(api);
  FakeApiServer server(FakeServerOptions{false, "server", false, [&](httplib::Server& s) { api.routes(s); }});
  kube::ApiClient client(configFor(server));
  const std::string forbidden =
      R"({"kind":"Status","code":403,"message":"rolebindings.rbac.authorization.k8s.io is forbidden: User \"eve\" cannot list resource"})";
  std::vector<std::string> skipped;
  rbac::LiveListOptions options;
  options.skippedForbidden = &skipped;

  SECTION("one collection forbidden: the others are listed") {
    api.failures["rolebindings"] = {403, forbidden};
    auto manifests = rbac::listRbacManifests(client, options);
    CHECK(manifests.size() == 7);
    for (const auto& m : manifests) CHECK(m.kind() != "RoleBinding");
    REQUIRE(skipped.size() == 1);
    CHECK_THAT(skipped[0], Catch::Contains("cannot list rolebindings.rbac.authorization.k8s.io from " + server.url() +
                                           ": HTTP 403: rolebindings.rbac.authorization.k8s.io is forbidden"));
  }
  SECTION("every collection forbidden: still an error") {
    for (const char* resource : {"clusterroles", "clusterrolebindings", "roles", "rolebindings"})
      api.failures[resource] = {403, forbidden};
    CHECK_THAT(errorOf([&] { rbac::listRbacManifests(client, options); }),
               Catch::Contains("cannot list clusterroles.rbac.authorization.k8s.io from " + server.url() + ": HTTP 403"));
  }
  SECTION("401 is not skipped") {
    api.failures["roles"] = {401, R"({"kind":"Status","code":401,"message":"Unauthorized"})"};
    CHECK_THAT(errorOf([&] { rbac::listRbacManifests(client, options); }), Catch::Contains("HTTP 401"));
  }
}

TEST_CASE("live source: an unreachable server", "[rbac][live]") {
  int port;
  {
    FakeApiServer closed;  // take a free port, then close it
    port = closed.port();
  }
  kube::KubeConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  kube::ApiClient client(config);
  std::string message = errorOf([&] { rbac::listRbacManifests(client); });
  CHECK_THAT(message, Catch::Contains("cannot list clusterroles.rbac.authorization.k8s.io from http://127.0.0.1:" +
                                      std::to_string(port) + ": no response ("));
}

TEST_CASE("live source: from a kubeconfig file", "[rbac][live]") {
  FakeRbacApi api;
  fillWorld(api);
  FakeApiServer server(FakeServerOptions{false, "server", false, [&](httplib::Server& s) { api.routes(s); }});
  kube_test::TempDir dir;
  kube_test::writeFile(dir.file("kubeconfig"), R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: ")" + server.url() + R"("}
users:
- name: u
  user: {token: from-file}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
)");
  CHECK(rbac::listRbacManifests(dir.file("kubeconfig")).size() == 9);
  REQUIRE_FALSE(api.seen.empty());
  CHECK(api.seen[0].authorization == "Bearer from-file");
  CHECK(api.seen[0].limit == "500");

  CHECK_THAT(errorOf([&] { rbac::listRbacManifests(dir.file("missing")); }), Catch::Contains("missing"));
}
