// The kernel datapath in a throwaway network namespace (root only; skipped with a message otherwise).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "netpol/agent/netns.h"
#include "netpol/agent/nft_batch.h"
#include "netpol/render_nft.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol::agent;
using namespace netpol_test;

namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

// A named namespace with one veth carrying `ip`, deleted at the end of the test.
struct ScratchNetns {
  std::string name = "kguard-unit-" + std::to_string(getpid());
  bool ok = false;
  ScratchNetns() {
    ok = system(("ip netns add " + name + " && ip -n " + name + " link add v0 type veth peer name v1 && ip -n " + name +
                 " addr add 10.0.0.1/24 dev v0 && ip -n " + name + " addr add fd00::1/64 dev v0 nodad && ip -n " + name +
                 " link set v0 up")
                    .c_str()) == 0;
  }
  ~ScratchNetns() { (void)!system(("ip netns delete " + name + " 2>/dev/null").c_str()); }
  std::string nft(const std::string& args) const { return run("ip netns exec " + name + " nft " + args); }

  // Discovers the machine's namespaces (kept in `discovered`) and returns this one, or null.
  std::vector<Netns> discovered;
  const Netns* discover() {
    discovered = discoverNetns();
    for (const auto& ns : discovered)
      if (ns.path() == "/var/run/netns/" + name) return &ns;
    return nullptr;
  }
};

bool canRun() {
  if (geteuid() != 0) {
    WARN("skipped: needs root to create network namespaces");
    return false;
  }
  if (system("command -v nft >/dev/null && command -v ip >/dev/null") != 0) {
    WARN("skipped: nft or ip not installed");
    return false;
  }
  return true;
}

Cluster testCluster() {
  return cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1,fd00::1") + pod("x", "b", "{pod: b}", "10.0.0.2,fd00::2") +
                 policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}, {ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}], ports: [{port: 80, endPort: 90}]}]\n  egress: [{to: [{podSelector: {}}]}]"));
}

}  // namespace

TEST_CASE("kernel: namespaces are found by path, deduplicated, with their addresses") {
  if (!canRun()) return;
  ScratchNetns scratch;
  REQUIRE(scratch.ok);
  const Netns* ns = scratch.discover();
  REQUIRE(ns);
  size_t sameInode = 0;
  for (const auto& other : scratch.discovered) sameInode += other.inode() == ns->inode();
  CHECK(sameInode == 1);
  auto addresses = interfaceAddresses(*ns);
  CHECK(std::find(addresses.begin(), addresses.end(), *parseIp("10.0.0.1")) != addresses.end());
  CHECK(std::find(addresses.begin(), addresses.end(), *parseIp("fd00::1")) != addresses.end());
}

TEST_CASE("kernel: a batch installs the ruleset, replaces it, and leaves other tables alone") {
  if (!canRun()) return;
  ScratchNetns scratch;
  REQUIRE(scratch.ok);
  scratch.nft("add table inet other");
  const Netns* ns = scratch.discover();
  REQUIRE(ns);
  auto c = testCluster();
  auto rs = compileRuleset(c, podOf(c, "x/a"));
  RenderOptions options;
  options.nflogGroup = 2;
  auto error = applyBatch(*ns, buildReplaceBatch(rs, options, 1000));
  REQUIRE_FALSE(error.has_value());
  auto listed = scratch.nft("list table inet kguard");
  INFO(listed);
  CHECK(listed.find("10.0.0.1-10.0.0.2 . tcp . 80-90 comment \"x/p ingress[0]\"") != std::string::npos);
  CHECK(listed.find("192.168.0.0/24 . tcp . 80-90") != std::string::npos);
  CHECK(listed.find("192.168.2.0-192.168.255.255 . tcp . 80-90") != std::string::npos);
  CHECK(listed.find("log prefix \"kguard x/a ingress denied: \" group 2 drop") != std::string::npos);
  // Applying again replaces rather than duplicates.
  REQUIRE_FALSE(applyBatch(*ns, buildReplaceBatch(rs, options, 2000)).has_value());
  auto again = scratch.nft("list table inet kguard");
  CHECK(again == listed);
  REQUIRE_FALSE(applyBatch(*ns, buildDeleteBatch(3000)).has_value());
  CHECK(scratch.nft("list tables").find("inet kguard") == std::string::npos);
  CHECK(scratch.nft("list tables").find("inet other") != std::string::npos);
}

// `kguard netpol compile` prints the ruleset as text and the agent programs it through libnftnl: two
// encoders of one value. The kernel must end up with the same table from both, rule order included.
TEST_CASE("kernel: the agent's batch and the rendered text install the same table") {
  if (!canRun()) return;
  ScratchNetns scratch;
  REQUIRE(scratch.ok);
  const Netns* scratchNs = scratch.discover();
  REQUIRE(scratchNs);
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1,fd00::1") + pod("x", "b", "{pod: b}", "10.0.0.2") +
                   policy("x", "in", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}, {ipBlock: {cidr: 172.16.0.0/12}}], ports: [{port: 53, protocol: UDP}]}]") +
                   policy("x", "out", "  podSelector: {matchLabels: {pod: b}}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]\n  policyTypes: [Egress]"));
  RenderOptions options;
  options.nflogGroup = 3;
  for (const char* podName : {"x/a", "x/b"}) {
    auto rs = compileRuleset(c, podOf(c, podName));
    REQUIRE_FALSE(applyBatch(*scratchNs, buildReplaceBatch(rs, options, 1)).has_value());
    auto fromBatch = scratch.nft("list table inet kguard");
    std::string file = "/tmp/kguard-unit-" + std::to_string(getpid()) + ".nft";
    std::ofstream(file) << renderNft(rs, options);
    CHECK(scratch.nft("-f " + file).empty());
    std::remove(file.c_str());
    INFO(podName << "\n" << fromBatch);
    CHECK(scratch.nft("list table inet kguard") == fromBatch);
    // x/a is isolated only for ingress, x/b only for egress: the other hook gets no chain.
    bool ingressOnly = std::string(podName) == "x/a";
    CHECK((fromBatch.find("chain input") != std::string::npos) == ingressOnly);
    CHECK((fromBatch.find("chain output") != std::string::npos) == !ingressOnly);
  }
}

TEST_CASE("kernel: a failing batch names the object and leaves the old ruleset in place") {
  if (!canRun()) return;
  ScratchNetns scratch;
  REQUIRE(scratch.ok);
  const Netns* ns = scratch.discover();
  REQUIRE(ns);
  auto c = testCluster();
  auto good = compileRuleset(c, podOf(c, "x/a"));
  REQUIRE_FALSE(applyBatch(*ns, buildReplaceBatch(good, {}, 1000)).has_value());
  auto before = scratch.nft("list table inet kguard");
  // An element whose end precedes its start: the kernel rejects it.
  auto bad = good;
  bad.ingress.ports[0].push_back({singleAddress(*parseIp("172.16.0.1")), Protocol::TCP, 9000, 8000, {"bad"}});
  auto error = applyBatch(*ns, buildReplaceBatch(bad, {}, 5000));
  REQUIRE(error.has_value());
  CHECK(error->find("of set ingress_v4_ports") != std::string::npos);
  CHECK(scratch.nft("list table inet kguard") == before);
}
