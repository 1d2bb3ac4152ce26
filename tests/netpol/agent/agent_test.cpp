// The agent's sync logic against a fake datapath with the kernel's all-or-nothing semantics.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <set>

#include "netpol/agent/event_loop.h"
#include "netpol/agent/kernel_datapath.h"
#include "netpol/agent/reconciler.h"
#include "tests/netpol/agent/fake_datapath.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol::agent;
using namespace netpol_test;

namespace {

NamespaceInfo netns(uint64_t id, const std::string& ip) { return {id, "/var/run/netns/n" + std::to_string(id), {*parseIp("127.0.0.1"), *parseIp(ip)}}; }

std::string pods() {
  return ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1", "[]", "  nodeName: n1\n") +
         pod("x", "b", "{pod: b}", "10.0.0.2", "[]", "  nodeName: n1\n") +
         pod("x", "c", "{pod: c}", "10.0.0.3", "[]", "  nodeName: n2\n");
}

}  // namespace

TEST_CASE("namespaces are matched to pods by IP; only changed rulesets are installed") {
  FakeDatapath dp;
  dp.present = {netns(1, "10.0.0.1"), netns(2, "10.0.0.2"), netns(3, "192.168.9.9")};
  Reconciler agent(dp, "", {});
  auto first = agent.sync(cluster(pods()));
  CHECK(first.namespaces == 3);
  CHECK(first.pods == 2);
  CHECK(first.installed == 2);
  CHECK(dp.tables.count(3) == 0);  // no pod there: untouched
  CHECK(dp.tables.at(1).pod == "x/a");

  dp.calls.clear();
  auto again = agent.sync(cluster(pods()));
  CHECK(again.installed == 0);
  CHECK(again.unchanged == 2);
  CHECK(dp.calls.empty());

  // A policy selecting only x/b changes x/b's ruleset and nothing else.
  auto withPolicy = cluster(pods() + policy("x", "p", "  podSelector: {matchLabels: {pod: b}}\n  policyTypes: [Ingress]"));
  auto changed = agent.sync(withPolicy);
  CHECK(changed.installed == 1);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n2"});
  CHECK(dp.tables.at(2).ingress.isolated());
}

TEST_CASE("a namespace whose pod left the input loses its table") {
  FakeDatapath dp;
  dp.present = {netns(1, "10.0.0.1"), netns(2, "10.0.0.2")};
  Reconciler agent(dp, "", {});
  agent.sync(cluster(pods()));
  auto without = cluster(ns("x") + pod("x", "b", "{pod: b}", "10.0.0.2"));
  dp.calls.clear();
  auto stats = agent.sync(without);
  CHECK(stats.removed == 1);
  CHECK(dp.calls == std::vector<std::string>{"remove /var/run/netns/n1"});
  CHECK(dp.tables.count(1) == 0);
}

TEST_CASE("a failed install is retried on the next sync and reported") {
  FakeDatapath dp;
  dp.present = {netns(1, "10.0.0.1")};
  dp.failing = {1};
  Reconciler agent(dp, "", {});
  auto failed = agent.sync(cluster(pods()));
  CHECK(failed.failed == 1);
  REQUIRE(failed.messages.size() == 1);
  CHECK(failed.messages[0] == "x/a (/var/run/netns/n1): install failed: set ingress_v4_ports: Invalid argument");
  dp.failing.clear();
  auto retried = agent.sync(cluster(pods()));
  CHECK(retried.installed == 1);
}

TEST_CASE("--node keeps the agent to its own node's pods") {
  FakeDatapath dp;
  dp.present = {netns(1, "10.0.0.1"), netns(3, "10.0.0.3")};
  Reconciler agent(dp, "n2", {});
  auto stats = agent.sync(cluster(pods()));
  CHECK(stats.installed == 1);
  CHECK(dp.tables.count(3) == 1);
  CHECK(dp.tables.count(1) == 0);
}

// On a bridge CNI the node reaches its pods from the bridge's address, which no Node object or hostIP
// names: an isolating policy must still let the node's own traffic (kubelet probes) in.
TEST_CASE("the node's interface addresses count as the pod's node, and follow their changes") {
  FakeDatapath dp;
  dp.present = {netns(1, "10.0.0.1")};
  dp.nodeAddresses = {*parseIp("10.0.0.254"), *parseIp("fd00::fe")};
  Reconciler agent(dp, "n1", {});
  std::string node = "---\napiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.1}]}\n";
  auto denyAll = cluster(pods() + node + policy("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress]"));
  agent.sync(denyAll);
  const Ruleset& rs = dp.tables.at(1);
  REQUIRE(rs.ingress.isolated());
  CHECK(rs.admitsIngress(*parseIp("192.168.1.1"), Protocol::TCP, 8080));  // the InternalIP, as before
  CHECK(rs.admitsIngress(*parseIp("10.0.0.254"), Protocol::TCP, 8080));   // the bridge's address
  CHECK(rs.admitsIngress(*parseIp("fd00::fe"), Protocol::TCP, 8080));
  CHECK_FALSE(rs.admitsIngress(*parseIp("10.0.0.2"), Protocol::TCP, 8080));  // another pod stays out

  // Unchanged addresses: a periodic sync installs nothing.
  dp.calls.clear();
  agent.sync(denyAll);
  CHECK(dp.calls.empty());
  // The bridge got another address: the next periodic sync (which looks again) reinstalls.
  dp.nodeAddresses = {*parseIp("10.0.0.253")};
  agent.sync(denyAll);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n1"});
  CHECK(dp.tables.at(1).admitsIngress(*parseIp("10.0.0.253"), Protocol::TCP, 8080));
  CHECK_FALSE(dp.tables.at(1).admitsIngress(*parseIp("10.0.0.254"), Protocol::TCP, 8080));
}

namespace {

// A source that reports `burst` changes in quick succession, then stays put.
class BurstySource : public ClusterSource {
 public:
  BurstySource(int burst, std::string yaml) : remaining_(burst), yaml_(std::move(yaml)) {}
  bool waitForChange(std::chrono::milliseconds timeout) override {
    if (remaining_ > 0) {
      --remaining_;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      return true;
    }
    std::this_thread::sleep_for(timeout);
    return false;
  }
  Cluster load() override {
    ++loads;
    return cluster(yaml_);
  }
  std::string describe() const override { return "bursty"; }
  std::atomic<int> loads{0};

 private:
  int remaining_;
  std::string yaml_;
};

}  // namespace

TEST_CASE("a burst of changes is coalesced into one load and one install per namespace") {
  FakeDatapath dp;
  dp.present = {netns(1, "10.0.0.1")};
  BurstySource source(8, pods());
  LoopOptions options = scriptedLoopOptions();
  int code = runAgentLoopFor(source, options, dp, std::chrono::milliseconds(400));
  CHECK(code == 0);
  CHECK(source.loads == 1);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n1"});
}
