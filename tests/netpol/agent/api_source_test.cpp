// makeApiSource against the scripted fake API server (tests/kube/fake_api_server.h): it lists all four
// required collections before returning, names the collection that cannot be listed, and refuses an unusable
// kubeconfig. The objects themselves, and the watch, are checked against a real kube-apiserver in
// tests/e2e/netpol_api_source_e2e_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <set>

#include "kube/manifest.h"
#include "netpol/agent/api_source.h"
#include "tests/kube/api_test_support.h"
#include "tests/kube/fake_api_server.h"

using kube_test::FakeApiServer;
using kube_test::listJson;
using kube_test::TempDir;

namespace {

std::string writeKubeconfig(const TempDir& dir, const std::string& server) {
  std::string path = dir.file("kubeconfig");
  kube_test::writeFile(path,
                       "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
                       "clusters:\n- name: fake\n  cluster:\n    server: " + server + "\n"
                       "users:\n- name: agent\n  user:\n    token: agent-token\n"
                       "contexts:\n- name: test\n  context:\n    cluster: fake\n    user: agent\n");
  return path;
}

}  // namespace

TEST_CASE("api source: lists namespaces, pods, nodes and NetworkPolicies before it returns") {
  FakeApiServer server;
  server.queueList(200, listJson({}, "7"));  // every collection empty
  TempDir dir;
  auto source = netpol::agent::makeApiSource(writeKubeconfig(dir, server.url()), 5000);
  CHECK(source->describe() == server.url());

  std::set<std::string> listed;
  for (const auto& r : server.listRequests()) {
    listed.insert(r.path);
    CHECK(r.authorization == "Bearer agent-token");
  }
  // ...and asks discovery whether ClusterNetworkPolicies are served (this fake's answer lists no
  // resources: not watched; their watch is checked against a real kube-apiserver, see above).
  CHECK(listed == std::set<std::string>{"/api/v1/namespaces", "/api/v1/pods", "/api/v1/nodes",
                                        "/apis/networking.k8s.io/v1/networkpolicies",
                                        "/apis/policy.networking.k8s.io/v1alpha2"});
  auto cluster = source->load();
  CHECK(cluster.namespaces.empty());
  CHECK(cluster.pods.empty());
  CHECK(cluster.policies.empty());
  CHECK(cluster.nodes.empty());
  // The initial lists are what the first load reads, not a change to report.
  CHECK_FALSE(source->waitForChange(std::chrono::milliseconds(50)));
}

TEST_CASE("api source: a collection that cannot be listed is named with the server's answer") {
  FakeApiServer server;
  server.queueList(403, R"({"kind":"Status","code":403,"message":"namespaces is forbidden: User \"agent\" cannot list"})");
  TempDir dir;
  auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(netpol::agent::makeApiSource(writeKubeconfig(dir, server.url()), 300),
                    Catch::StartsWith(server.url() + "/api/v1/namespaces: not listed within 300 ms: ") &&
                        Catch::Contains("403") && Catch::Contains("forbidden"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("api source: an unusable kubeconfig is an input error naming the file") {
  TempDir dir;
  CHECK_THROWS_AS(netpol::agent::makeApiSource(dir.file("missing"), 300), kube::InputError);
  CHECK_THROWS_WITH(netpol::agent::makeApiSource(dir.file("missing"), 300), Catch::Contains(dir.file("missing")));
}
