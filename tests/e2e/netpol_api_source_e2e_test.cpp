// The netpol agent's API source (netpol/agent/api_source.h) against a real kube-apiserver: what the
// first load holds after makeApiSource returns, and how watch events (a label, a deleted policy) reach
// the next load. Run through tests/e2e/api_client_e2e_test.sh, which starts and stops the cluster.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include "netpol/agent/api_source.h"
#include "tests/e2e/e2e_support.h"

namespace {

using e2e::env;
using e2e::kubectl;

// Loads after each change notification until `holds(cluster)`, for up to 20 s.
bool loadUntil(netpol::agent::ClusterSource& source, const std::function<bool(const netpol::Cluster&)>& holds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (holds(source.load())) return true;
    source.waitForChange(std::chrono::milliseconds(500));
  }
  return holds(source.load());
}

const netpol::NetworkPolicy* findPolicy(const netpol::Cluster& c, const std::string& name) {
  for (const auto& p : c.policies)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace

TEST_CASE("e2e: the API source loads namespaces, pods, nodes and policies, then follows their changes") {
  kubectl("apply -f -", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"src-a","labels":{"team":"a"}}})");
  kubectl("apply -f -", R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"node-1"},
    "status":{"addresses":[{"type":"InternalIP","address":"192.168.7.1"},{"type":"Hostname","address":"node-1"}]}})");
  kubectl("apply -f -", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"src-a","labels":{"app":"web"}},
    "spec":{"nodeName":"node-1","containers":[{"name":"c","image":"nginx","ports":[{"name":"http","containerPort":80}]}]}})");
  kubectl("apply -f -", R"({"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"web-in","namespace":"src-a"},
    "spec":{"podSelector":{"matchLabels":{"app":"web"}},"ingress":[{"ports":[{"port":"http"}]}]}})");

  auto source = netpol::agent::makeApiSource(env("KUBECONFIG"), 20000);
  CHECK(source->describe() == env("APISERVER_URL"));
  auto cluster = source->load();
  const netpol::Namespace* ns = cluster.findNamespace("src-a");
  REQUIRE(ns);
  CHECK(ns->labels.at("team") == "a");
  const netpol::Pod* pod = cluster.findPod("src-a", "web");
  REQUIRE(pod);
  CHECK(pod->labels.at("app") == "web");
  CHECK(pod->nodeName == "node-1");
  REQUIRE(pod->ports.size() == 1);
  CHECK(pod->ports[0].name == "http");
  const netpol::NetworkPolicy* policy = findPolicy(cluster, "web-in");
  REQUIRE(policy);
  CHECK(policy->namespace_ == "src-a");
  CHECK(policy->affectsIngress);
  CHECK_FALSE(policy->affectsEgress);
  auto node = cluster.nodeAddresses("node-1");
  REQUIRE(node.size() == 1);  // InternalIP only: a Hostname is no address
  CHECK(node[0].str() == "192.168.7.1");

  // A label change is seen by a later load.
  kubectl("label namespace src-a team=b --overwrite");
  CHECK(loadUntil(*source, [](const netpol::Cluster& c) {
    const auto* n = c.findNamespace("src-a");
    return n && n->labels.at("team") == "b";
  }));
  // A deleted policy is gone from a later load; the rest stays.
  kubectl("delete networkpolicy -n src-a web-in");
  CHECK(loadUntil(*source, [](const netpol::Cluster& c) { return !findPolicy(c, "web-in"); }));
  auto after = source->load();
  CHECK(after.findPod("src-a", "web"));
  CHECK(after.findNamespace("src-a"));
  CHECK(after.nodeAddresses("node-1").size() == 1);
}

TEST_CASE("e2e: ClusterNetworkPolicies are watched while their CRD is installed, and the rest works without it") {
  using namespace std::chrono_literals;
  const std::string crd = std::string("crd/clusternetworkpolicies.policy.networking.k8s.io");
  auto source = netpol::agent::makeApiSource(env("KUBECONFIG"), 20000, 300ms);  // CRD looked for every 300 ms
  CHECK(source->load().clusterPolicies.empty());
  CHECK(source->load().findNamespace("default"));  // no CRD: the other collections are listed

  auto installAndCreate = [&](int priority) {
    kubectl(std::string("apply -f ") + KGUARD_CNP_CRD);
    kubectl("wait --for condition=established --timeout=20s " + crd);
    kubectl("apply -f -", R"({"apiVersion":"policy.networking.k8s.io/v1alpha2","kind":"ClusterNetworkPolicy",
      "metadata":{"name":"no-metadata-service"},"spec":{"tier":"Admin","priority":)" + std::to_string(priority) + R"(,
      "subject":{"namespaces":{}},"egress":[{"name":"metadata","action":"Deny","to":[{"networks":["169.254.169.254/32"]}]}]}})");
  };
  auto holdsPolicy = [](int priority) {
    return [priority](const netpol::Cluster& c) {
      return c.clusterPolicies.size() == 1 && c.clusterPolicies[0].name == "no-metadata-service" &&
             c.clusterPolicies[0].tier == netpol::Tier::Admin && c.clusterPolicies[0].priority == priority &&
             c.clusterPolicies[0].egress.size() == 1 && c.clusterPolicies[0].egress[0].action == netpol::CnpAction::Deny;
    };
  };
  // Installed after the source started: found by the periodic discovery, then listed and watched.
  installAndCreate(3);
  CHECK(loadUntil(*source, holdsPolicy(3)));
  kubectl(R"(patch clusternetworkpolicy no-metadata-service --type merge -p '{"spec":{"priority":7}}')");
  CHECK(loadUntil(*source, holdsPolicy(7)));
  // The CRD deleted (with its objects): the collection empties and the source looks for it again.
  kubectl("delete --wait=true " + crd);
  CHECK(loadUntil(*source, [](const netpol::Cluster& c) { return c.clusterPolicies.empty(); }));
  // Long enough for the watch to fail and discovery to find the resource gone (logged "no longer
  // watched"); a reinstall is then found by the periodic discovery again.
  std::this_thread::sleep_for(3s);
  installAndCreate(9);
  CHECK(loadUntil(*source, holdsPolicy(9)));
  kubectl("delete --wait=true " + crd);
}
