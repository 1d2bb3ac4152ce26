// kube::listCollection against the scripted fake API server: pages joined in order, the collection's
// own query kept, an expired continue token falling back to one unpaginated list (client-go's
// FullListIfExpired), and every malformed answer reported instead of half a list.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "fake_api_server.h"
#include "kube/api_client.h"
#include "kube/list_pager.h"

using kube_test::FakeApiServer;
using kube_test::listJson;
using kube_test::namespaceJson;

namespace {

const std::string kExpired = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410})";

kube::ApiClient clientFor(const FakeApiServer& server) {
  kube::KubeConfig config;
  config.server = server.url();
  return kube::ApiClient(config);
}

std::vector<std::string> namesOf(const kube::ListResult& result) {
  std::vector<std::string> names;
  for (const auto& item : result.items) names.push_back(item["metadata"]["name"]);
  return names;
}

kube::ListOptions pagesOf(int size) {
  kube::ListOptions options;
  options.pageSize = size;
  return options;
}

}  // namespace

TEST_CASE("list pager: joins the pages in order and keeps the last page's resourceVersion") {
  FakeApiServer server;
  server.queueList(200, listJson({namespaceJson("a", "1"), namespaceJson("b", "2")}, "10", "page-2"));
  server.queueList(200, listJson({namespaceJson("c", "3")}, "11"));
  auto client = clientFor(server);
  auto result = kube::listCollection(client, "/api/v1/namespaces?labelSelector=team%3Dred", pagesOf(2));
  REQUIRE(result.ok());
  CHECK(namesOf(result) == std::vector<std::string>{"a", "b", "c"});
  CHECK(result.resourceVersion == "11");
  auto lists = server.listRequests();
  REQUIRE(lists.size() == 2);
  CHECK(lists[0].params.at("labelSelector") == "team=red");
  CHECK(lists[0].params.at("limit") == "2");
  CHECK(lists[0].params.count("continue") == 0);
  CHECK(lists[1].params.at("labelSelector") == "team=red");
  CHECK(lists[1].params.at("continue") == "page-2");
}

TEST_CASE("list pager: page size 0 lists in one request without limit") {
  FakeApiServer server;
  server.queueList(200, listJson({namespaceJson("a", "1")}, "5"));
  auto client = clientFor(server);
  auto result = kube::listCollection(client, "/api/v1/namespaces", pagesOf(0));
  REQUIRE(result.ok());
  CHECK(namesOf(result) == std::vector<std::string>{"a"});
  REQUIRE(server.listRequests().size() == 1);
  CHECK(server.listRequests()[0].params.count("limit") == 0);
}

TEST_CASE("list pager: an expired continue token relists everything in one request, dropping the pages so far") {
  FakeApiServer server;
  server.queueList(200, listJson({namespaceJson("a", "1")}, "10", "page-2"));
  server.queueList(410, kExpired);
  server.queueList(200, listJson({namespaceJson("a", "1"), namespaceJson("b", "12")}, "12"));
  auto client = clientFor(server);
  std::vector<std::string> notes;
  auto options = pagesOf(1);
  options.onNote = [&](const std::string& note) { notes.push_back(note); };
  auto result = kube::listCollection(client, "/api/v1/namespaces", options);
  REQUIRE(result.ok());
  CHECK(namesOf(result) == std::vector<std::string>{"a", "b"});  // "a" once, not twice
  CHECK(result.resourceVersion == "12");
  auto lists = server.listRequests();
  REQUIRE(lists.size() == 3);
  CHECK(lists[2].params.count("limit") == 0);
  CHECK(lists[2].params.count("continue") == 0);
  REQUIRE(notes.size() == 1);
  CHECK_THAT(notes[0], Catch::Contains("continue token expired"));
}

TEST_CASE("list pager: a 410 on the first page is the server's answer, not a fallback") {
  FakeApiServer server;
  server.queueList(410, kExpired);
  auto client = clientFor(server);
  auto result = kube::listCollection(client, "/api/v1/namespaces", pagesOf(1));
  CHECK_FALSE(result.ok());
  CHECK(result.requestFailed());
  CHECK(result.response.status == 410);
  CHECK(result.items.empty());
  CHECK(server.listRequests().size() == 1);
}

TEST_CASE("list pager: malformed answers fail with what is wrong and no partial items") {
  auto failure = [](const std::string& body) {
    FakeApiServer server;  // fresh each time: the fake repeats its last queued answer
    auto client = clientFor(server);
    server.queueList(200, listJson({namespaceJson("a", "1")}, "1", "page-2"));
    server.queueList(200, body);
    auto result = kube::listCollection(client, "/api/v1/namespaces", pagesOf(1));
    CHECK(result.items.empty());
    CHECK_FALSE(result.requestFailed());  // the server answered 200: the body is what is wrong
    return result.error;
  };
  CHECK_THAT(failure("[1,2]"), Catch::StartsWith("the response is not a JSON object: [1,2]"));
  CHECK_THAT(failure(R"({"items":{}})"), Catch::Equals("items is not a list"));
  CHECK_THAT(failure(R"({"items":[{},3]})"), Catch::Equals("items[2] is not an object"));
  CHECK_THAT(failure(listJson({}, "1", "page-2")), Catch::Equals("the server returned the same continue token twice"));
  CHECK_THAT(failure(std::string(2000, '[') + std::string(2000, ']')), Catch::StartsWith("the response is not a JSON object"));
}

TEST_CASE("list pager: a transport failure names it") {
  kube::KubeConfig config;
  config.server = "http://127.0.0.1:1";  // nothing listens on port 1
  kube::ApiClient client(config);
  auto result = kube::listCollection(client, "/api/v1/namespaces");
  CHECK(result.requestFailed());
  CHECK(result.response.status == 0);
  CHECK_FALSE(result.error.empty());
}
