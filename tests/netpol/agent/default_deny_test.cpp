// --default-deny-until-synced: namespaces found before the first load are held in deny-all, and the
// first sync replaces that with the compiled rulesets (or removes it where there is no pod).
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <chrono>

#include "netpol/agent/event_loop.h"
#include "netpol/agent/kernel_datapath.h"
#include "netpol/agent/reconciler.h"
#include "netpol/render_nft.h"
#include "tests/netpol/agent/fake_datapath.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol::agent;
using namespace netpol_test;

namespace {

bool isDenyAll(const Ruleset& rs) {
  return rs.ingress.isolated() && rs.egress.isolated() && rs.ingress.elementCount() == 0 &&
         rs.egress.elementCount() == 0 && !rs.admitsIngress(*parseIp("10.0.0.9"), Protocol::TCP, 80) &&
         !rs.admitsEgress(*parseIp("10.0.0.9"), Protocol::UDP, 53);
}

std::string twoPods() {
  return ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1") + pod("x", "b", "{pod: b}", "10.0.0.2");
}

// Reports `burst` changes (one per call), then none; on load, records what was installed.
class LateSource : public ClusterSource {
 public:
  LateSource(FakeDatapath& dp, int burst, std::string yaml) : dp_(dp), remaining_(burst), yaml_(std::move(yaml)) {}
  bool waitForChange(std::chrono::milliseconds timeout) override {
    if (remaining_ > 0) {
      --remaining_;
      if (remaining_ == 5) dp_.present.push_back(netnsWith(2, "10.0.0.2"));  // a pod appears while waiting
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      return true;
    }
    std::this_thread::sleep_for(timeout);
    return false;
  }
  Cluster load() override {
    atLoad = dp_.tables;
    return cluster(yaml_);
  }
  std::string describe() const override { return "late"; }
  std::map<uint64_t, Ruleset> atLoad;

 private:
  FakeDatapath& dp_;
  int remaining_;
  std::string yaml_;
};

}  // namespace

TEST_CASE("the deny-all ruleset isolates both directions and keeps the fixed rules") {
  auto text = renderNft(denyAllRuleset(), {});
  CHECK(text.find("ct state established,related accept") != std::string::npos);
  CHECK(text.find("icmpv6 type 133-137 accept") != std::string::npos);
  CHECK(text.find("isolated for ingress") != std::string::npos);
  CHECK(text.find("isolated for egress") != std::string::npos);
  CHECK(isDenyAll(denyAllRuleset()));
}

TEST_CASE("held namespaces get their pod's ruleset on the first sync; the others lose the table") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1"), netnsWith(3, "192.168.9.9")};
  Reconciler agent(dp, "", {});
  auto held = agent.holdUnsynced();
  CHECK(held.installed == 2);
  REQUIRE(dp.tables.size() == 2);
  CHECK(isDenyAll(dp.tables.at(1)));
  CHECK(isDenyAll(dp.tables.at(3)));

  // Holding again touches only namespaces not yet held.
  dp.present.push_back(netnsWith(2, "10.0.0.2"));
  dp.calls.clear();
  auto again = agent.holdUnsynced();
  CHECK(again.installed == 1);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n2"});

  auto synced = agent.sync(cluster(twoPods()));
  CHECK(synced.installed == 2);
  CHECK(synced.removed == 1);
  CHECK(dp.tables.count(3) == 0);
  CHECK(dp.tables.at(1).pod == "x/a");
  CHECK(!dp.tables.at(1).ingress.isolated());
  CHECK(dp.tables.at(2).pod == "x/b");
}

TEST_CASE("a namespace that already holds a kguard table keeps it until the first sync") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1"), netnsWith(2, "10.0.0.2")};
  dp.preexisting = {1};  // the agent restarted: x/a's ruleset from before is still installed
  Reconciler agent(dp, "", {});
  auto held = agent.holdUnsynced();
  CHECK(held.installed == 1);
  CHECK(held.unchanged == 1);
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n2"});
  dp.calls.clear();
  agent.holdUnsynced();  // asked once, not again
  CHECK(dp.calls.empty());

  auto synced = agent.sync(cluster(twoPods()));
  CHECK(synced.installed == 2);  // x/a's table is rewritten with what this run compiled
  CHECK(dp.tables.at(1).pod == "x/a");
  CHECK(dp.tables.at(2).pod == "x/b");
}

TEST_CASE("the loop holds namespaces in default-deny until the first load, then syncs") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1")};
  LateSource source(dp, 12, twoPods());
  LoopOptions options = scriptedLoopOptions();
  options.defaultDenyUntilSynced = true;
  int code = runAgentLoopFor(source, options, dp, std::chrono::milliseconds(500));
  CHECK(code == 0);
  REQUIRE(source.atLoad.size() == 2);  // both held before the load, including the late one
  CHECK(isDenyAll(source.atLoad.at(1)));
  CHECK(isDenyAll(source.atLoad.at(2)));
  CHECK(dp.tables.at(1).pod == "x/a");
  CHECK(dp.tables.at(2).pod == "x/b");
}

TEST_CASE("without the flag nothing is installed before the first load") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1")};
  LateSource source(dp, 12, twoPods());
  LoopOptions options = scriptedLoopOptions();
  runAgentLoopFor(source, options, dp, std::chrono::milliseconds(400));
  CHECK(source.atLoad.empty());
  CHECK(dp.tables.at(1).pod == "x/a");
}

namespace {

// load() fails `failures` times (unreadable inputs), then succeeds; never reports changes itself. A
// pod's namespace appears at the first failure.
class UnreadableSource : public ClusterSource {
 public:
  UnreadableSource(FakeDatapath& dp, int failures, std::string yaml)
      : dp_(dp), failures_(failures), yaml_(std::move(yaml)) {}
  bool waitForChange(std::chrono::milliseconds timeout) override {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  Cluster load() override {
    if (++loads == 1) dp_.present.push_back(netnsWith(2, "10.0.0.2"));
    if (failures_-- > 0) throw kube::InputError("state/30-broken.yaml: document 1: cannot parse");
    return cluster(yaml_);
  }
  std::string describe() const override { return "unreadable"; }
  std::atomic<int> loads{0};

 private:
  FakeDatapath& dp_;
  int failures_;
  std::string yaml_;
};

}  // namespace

TEST_CASE("with the flag, unreadable inputs are retried while namespaces stay held") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1")};
  UnreadableSource source(dp, 2, twoPods());
  LoopOptions options;
  options.resyncMs = 50;
  options.defaultDenyUntilSynced = true;
  int code = runAgentLoopFor(source, options, dp, std::chrono::milliseconds(400));
  CHECK(code == 0);
  CHECK(source.loads == 3);  // two failures, then the load that synced
  CHECK(dp.calls == std::vector<std::string>{"install /var/run/netns/n1", "install /var/run/netns/n2",
                                             "install /var/run/netns/n1", "install /var/run/netns/n2"});
  CHECK(dp.tables.at(1).pod == "x/a");
  CHECK(dp.tables.at(2).pod == "x/b");
}

TEST_CASE("without the flag, inputs unreadable at start end the loop with exit code 2") {
  FakeDatapath dp;
  dp.present = {netnsWith(1, "10.0.0.1")};
  UnreadableSource source(dp, 1, twoPods());
  std::atomic<bool> stop{false};
  CHECK(runAgentLoop(source, LoopOptions{}, dp, stop) == 2);
  CHECK(dp.calls.empty());
}
