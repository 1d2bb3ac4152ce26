#pragma once
// A Datapath for the agent's unit tests with the kernel's all-or-nothing semantics: namespaces are
// whatever `present` says, installs land in `tables` (or fail for ids in `failing`), and every call is
// recorded in order.
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "netpol/agent/datapath.h"

namespace netpol_test {

class FakeDatapath : public netpol::agent::Datapath {
 public:
  std::vector<netpol::agent::NamespaceInfo> present;
  std::map<uint64_t, netpol::Ruleset> tables;  // what is "installed"
  std::vector<std::string> calls;              // "install /var/run/netns/n1", "remove ..."
  std::set<uint64_t> failing;                  // installs into these fail
  std::set<uint64_t> preexisting;              // namespaces holding a kguard table from an earlier run
  std::vector<netpol::IpAddress> nodeAddresses;  // the "host's" interface addresses

  std::vector<netpol::agent::NamespaceInfo> namespaces() override { return present; }
  bool hasTable(const netpol::agent::NamespaceInfo& ns) override { return preexisting.count(ns.id) > 0; }
  std::vector<netpol::IpAddress> nodeInterfaceAddresses() override { return nodeAddresses; }
  std::optional<std::string> install(const netpol::agent::NamespaceInfo& ns, const netpol::Ruleset& rs,
                                     const netpol::nft::Table&, const netpol::nft::Table*,
                                     netpol::agent::InstallTiming* = nullptr) override {
    calls.push_back("install " + ns.path);
    if (failing.count(ns.id)) return std::string("set ingress_v4_ports: Invalid argument");
    tables[ns.id] = rs;
    return std::nullopt;
  }
  std::optional<std::string> remove(const netpol::agent::NamespaceInfo& ns) override {
    calls.push_back("remove " + ns.path);
    tables.erase(ns.id);
    return std::nullopt;
  }
};

// Namespace `id` at /var/run/netns/n<id> holding `ip`.
inline netpol::agent::NamespaceInfo netnsWith(uint64_t id, const std::string& ip) {
  return {id, "/var/run/netns/n" + std::to_string(id), {*netpol::parseIp(ip)}};
}

// Loop options for scripted sources: a burst ends after 20 ms of quiet (capped at 1 s, far beyond any
// scripted burst), and no periodic resync interferes.
inline netpol::agent::LoopOptions scriptedLoopOptions() {
  netpol::agent::LoopOptions options;
  options.quietMs = 20;
  options.maxDelayMs = 1000;
  options.resyncMs = 100000;
  return options;
}

// Runs the agent's loop for `duration`, then stops it; returns its exit code.
inline int runAgentLoopFor(netpol::agent::ClusterSource& source, const netpol::agent::LoopOptions& options,
                           netpol::agent::Datapath& datapath, std::chrono::milliseconds duration) {
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(duration);
    stop = true;
  });
  int code = netpol::agent::runAgentLoop(source, options, datapath, stop);
  stopper.join();
  return code;
}

}  // namespace netpol_test
