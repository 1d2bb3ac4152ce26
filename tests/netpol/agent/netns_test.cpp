// The kernel datapath in a throwaway network namespace. Every case is tagged [kernel]: ctest runs them
// apart (netpol_agent_kernel) through tests/needs.sh, which checks for root, ip, nft and network
// namespaces first (skipped without them, failed under CI=true); netpol_agent_tests runs the rest.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <cstdlib>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>

#include "netpol/agent/event_loop.h"
#include "netpol/agent/kernel_datapath.h"
#include "netpol/agent/reconciler.h"
#include "netpol/agent/netns.h"
#include "netpol/agent/nft_batch.h"
#include "netpol/render_nft.h"
#include "tests/netpol/agent/scratch_netns.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol::agent;
using namespace netpol_test;

namespace {

Cluster testCluster() {
  return cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1,fd00::1") + pod("x", "b", "{pod: b}", "10.0.0.2,fd00::2") +
                 policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}, {ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}], ports: [{port: 80, endPort: 90}]}]\n  egress: [{to: [{podSelector: {}}]}]"));
}

}  // namespace

TEST_CASE("kernel: namespaces are found by path, deduplicated, with their addresses", "[kernel]") {
  ScratchNetns scratch;
  const Netns* ns = scratch.discover();
  REQUIRE(ns);
  size_t sameInode = 0;
  for (const auto& other : scratch.discovered) sameInode += other.inode() == ns->inode();
  CHECK(sameInode == 1);
  auto addresses = interfaceAddresses(*ns);
  CHECK(std::find(addresses.begin(), addresses.end(), *parseIp("10.0.0.1")) != addresses.end());
  CHECK(std::find(addresses.begin(), addresses.end(), *parseIp("fd00::1")) != addresses.end());
}

TEST_CASE("kernel: a batch installs the ruleset, replaces it, and leaves other tables alone", "[kernel]") {
  ScratchNetns scratch;
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
  CHECK(listed.find("limit rate 10/second burst 20 packets log prefix \"kg:1\" group 2 drop") != std::string::npos);
  // Applying again replaces rather than duplicates.
  REQUIRE_FALSE(applyBatch(*ns, buildReplaceBatch(rs, options, 2000)).has_value());
  auto again = scratch.nft("list table inet kguard");
  CHECK(again == listed);
  REQUIRE_FALSE(applyBatch(*ns, buildDeleteBatch(3000)).has_value());
  CHECK(scratch.nft("list tables").find("inet kguard") == std::string::npos);
  CHECK(scratch.nft("list tables").find("inet other") != std::string::npos);
}

// Installs the ruleset through the agent's batch, then through `nft -f` of the rendered text, and checks
// the kernel lists the same table both times; returns the batch's listing.
std::string batchAndTextAgree(ScratchNetns& scratch, const Netns& ns, const Ruleset& rs, const RenderOptions& options) {
  REQUIRE_FALSE(applyBatch(ns, buildReplaceBatch(rs, options, 1)).has_value());
  auto fromBatch = scratch.nft("list table inet kguard");
  std::string file = "/tmp/kguard-unit-" + std::to_string(getpid()) + ".nft";
  std::ofstream(file) << renderNft(rs, options);
  CHECK(scratch.nft("-f " + file).empty());
  std::remove(file.c_str());
  CHECK(scratch.nft("list table inet kguard") == fromBatch);
  return fromBatch;
}

// `kguard netpol compile` prints the ruleset as text and the agent programs it through libnftnl: two
// encoders of one value. The kernel must end up with the same table from both, rule order included.
TEST_CASE("kernel: the agent's batch and the rendered text install the same table", "[kernel]") {
  ScratchNetns scratch;
  const Netns* scratchNs = scratch.discover();
  REQUIRE(scratchNs);
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1,fd00::1") + pod("x", "b", "{pod: b}", "10.0.0.2") +
                   pod("x", "c", "{pod: c}", "10.0.0.3") +
                   policy("x", "in", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}, {ipBlock: {cidr: 172.16.0.0/12}}], ports: [{port: 53, protocol: UDP}]}]") +
                   policy("x", "out", "  podSelector: {matchLabels: {pod: b}}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]\n  policyTypes: [Egress]") +
                   policy("x", "both", "  podSelector: {matchLabels: {pod: c}}\n  ingress: [{ports: [{port: 80}]}]\n  egress: [{to: [{podSelector: {}}], ports: [{port: 53, protocol: UDP}]}, {to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]"));
  RenderOptions options;
  options.nflogGroup = 3;
  // x/c has both chains: their mid-stream rules look up the other direction's sets by source port.
  for (const char* podName : {"x/a", "x/b", "x/c"}) {
    auto fromBatch = batchAndTextAgree(scratch, *scratchNs, compileRuleset(c, podOf(c, podName)), options);
    INFO(podName << "\n" << fromBatch);
    // x/a is isolated only for ingress, x/b only for egress: the other hook gets no chain.
    const std::string name = podName;
    CHECK((fromBatch.find("chain input") != std::string::npos) == (name != "x/b"));
    CHECK((fromBatch.find("chain output") != std::string::npos) == (name != "x/a"));
    CHECK((fromBatch.find("tcp sport @egress_v4_ports") != std::string::npos) == (name == "x/c"));
  }
}

// The same for the ClusterNetworkPolicy tiers: accept/drop sets with ports, the `other` sets guarded by
// `meta l4proto != tcp/udp/sctp`, IPv4 and IPv6, Admin before an isolating NetworkPolicy (x/a) and
// Admin + Baseline on a pod no NetworkPolicy isolates (x/b).
TEST_CASE("kernel: batch and text install the same table for ClusterNetworkPolicy tiers", "[kernel][cnp]") {
  ScratchNetns scratch;
  const Netns* scratchNs = scratch.discover();
  REQUIRE(scratchNs);
  std::string cnp = "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n";
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1,fd00::1") + pod("x", "b", "{pod: b}", "10.0.0.2,fd00::2") +
                   policy("x", "in", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}], ports: [{port: 53, protocol: UDP}]}]") +
                   cnp + "metadata: {name: admin}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n"
                   "  ingress:\n  - {action: Pass, from: [{pods: {podSelector: {matchLabels: {pod: b}}}}], protocols: [{tcp: {destinationPort: {number: 80}}}]}\n"
                   "  - {action: Deny, from: [{namespaces: {}}]}\n"
                   "  egress:\n  - {action: Accept, to: [{networks: [192.168.0.0/16, 'fd01::/64']}], protocols: [{sctp: {destinationPort: {range: {start: 10, end: 20}}}}]}\n"
                   "  - {action: Deny, to: [{networks: [0.0.0.0/0, '::/0']}], protocols: [{udp: {destinationPort: {number: 53}}}]}\n" +
                   cnp + "metadata: {name: base}\nspec:\n  tier: Baseline\n  priority: 1\n  subject: {namespaces: {}}\n"
                   "  egress: [{action: Accept, to: [{networks: [10.0.0.0/8]}]}, {action: Deny, to: [{networks: [0.0.0.0/0, '::/0']}]}]\n");
  RenderOptions options;
  options.nflogGroup = 3;
  for (const char* podName : {"x/a", "x/b"}) {
    auto fromBatch = batchAndTextAgree(scratch, *scratchNs, compileRuleset(c, podOf(c, podName)), options);
    INFO(podName << "\n" << fromBatch);
    CHECK(fromBatch.find("set admin_ingress_v4_other_drop") != std::string::npos);
    CHECK(fromBatch.find("meta l4proto != tcp") != std::string::npos);
    CHECK(fromBatch.find("map admin_egress_v6") != std::string::npos);
    CHECK(fromBatch.find("ip6 daddr . meta l4proto . th dport vmap @admin_egress_v6") != std::string::npos);
    CHECK(fromBatch.find(": goto admin_egress_deny_0") != std::string::npos);  // per Deny rule with deny logs
    CHECK(fromBatch.find("chain admin_egress_deny_0 {") != std::string::npos);
    bool isolated = std::string(podName) == "x/a";
    CHECK((fromBatch.find("set baseline_egress_v4_other_accept") != std::string::npos) == true);
    CHECK((fromBatch.find("set ingress_v4_ports") != std::string::npos) == isolated);
  }
}

namespace {

// Pod x/b under an Admin ClusterNetworkPolicy: Deny of TCP `port` from every namespace, then Accept of
// every protocol from the pods labelled `accepted` (address-only sets, which take intervals differently).
Cluster adminDenyOnPort(int port, const std::string& accepted = "a") {
  return cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1,fd00::1") + pod("x", "b", "{pod: b}", "10.0.0.2,fd00::2") +
                 pod("x", "c", "{pod: c}", "10.0.0.3,fd00::3") + pod("x", "d", "{pod: d}", "10.0.0.5") +
                 "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n"
                 "metadata: {name: admin}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n"
                 "  ingress:\n  - {action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: " +
                 std::to_string(port) + "}}}]}\n  - {action: Accept, from: [{pods: {podSelector: {matchExpressions: "
                 "[{key: pod, operator: In, values: [" + accepted + "]}]}}}]}\n");
}

// `nft list` lists a table's sets, maps and chains in the order they were made: an update that made a set
// again whole or added a deny chain (buildUpdateBatch) lists it after the others, without changing what
// the table holds. The blocks go in name order (sets, maps and chains as one list).
std::string withSetsInNameOrder(const std::string& listing) {
  std::vector<std::string> sets;
  std::string rest;
  size_t pos = 0, insertAt = std::string::npos;
  auto nextBlock = [&listing](size_t from) {
    size_t first = std::string::npos;
    for (const char* kind : {"\tset ", "\tmap ", "\tchain "}) first = std::min(first, listing.find(kind, from));
    return first;
  };
  for (size_t start; (start = nextBlock(pos)) != std::string::npos;) {
    size_t end = listing.find("\n\t}\n", start);
    if (end == std::string::npos) break;
    end += 4;
    rest += listing.substr(pos, start - pos);
    if (insertAt == std::string::npos) insertAt = rest.size();
    sets.push_back(listing.substr(start, end - start));
    pos = end;
  }
  rest += listing.substr(pos);
  if (sets.empty()) return rest;
  std::sort(sets.begin(), sets.end());
  std::string joined;
  for (const auto& set : sets) joined += set;
  return rest.insert(insertAt, joined);
}

// `nft list` output with each set's elements sorted (a concatenated set lists them in insertion order,
// which an update changes without changing what the set holds) and the sets in name order.
std::string withSortedElements(const std::string& unordered) {
  const std::string listing = withSetsInNameOrder(unordered);
  static const std::regex elements(R"(elements = \{([^}]*)\})");
  std::string out;
  auto begin = std::sregex_iterator(listing.begin(), listing.end(), elements);
  size_t done = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    std::vector<std::string> items;
    std::string item;
    std::istringstream in(it->str(1));
    while (std::getline(in, item, ',')) {
      size_t first = item.find_first_not_of(" \t\n"), last = item.find_last_not_of(" \t\n");
      items.push_back(item.substr(first, last + 1 - first));
    }
    std::sort(items.begin(), items.end());
    out += listing.substr(done, static_cast<size_t>(it->position()) - done) + "elements = {";
    for (const auto& i : items) out += "\n" + i;
    out += "}";
    done = static_cast<size_t>(it->position() + it->length());
  }
  return out + listing.substr(done);
}

}  // namespace

// A change that moves only set elements reaches the kernel as the deleted and added elements of the
// changed sets, in one transaction; after each step the kernel must list exactly what a whole-table
// replace gives (ports move; accepted pods come, go and become neighbours of other ranges).
TEST_CASE("kernel: update batches of changed elements leave the table a replace would", "[kernel][cnp]") {
  ScratchNetns scratch;
  const Netns* target = scratch.discover();
  REQUIRE(target);
  RenderOptions options;
  options.nflogGroup = 3;
  auto tableOf = [&](const Cluster& c) { return nft::buildTable(compileRuleset(c, podOf(c, "x/b")), options); };
  auto installed = tableOf(adminDenyOnPort(80));
  REQUIRE_FALSE(applyBatch(*target, buildReplaceBatch(installed, 1)).has_value());
  uint32_t seq = 1000;
  int updates = 0;
  size_t recreated = 0;  // sets these small lose most of their elements: made again whole
  for (auto [port, accepted] : std::vector<std::pair<int, std::string>>{
           {8080, "a"}, {8080, "c"}, {81, "a, c"}, {81, "a, c, d"}, {80, "d"}, {80, "a"}}) {
    INFO(port << " " << accepted);
    auto next = tableOf(adminDenyOnPort(port, accepted));
    REQUIRE(next != installed);
    REQUIRE_FALSE(applyBatch(*target, buildReplaceBatch(next, seq += 1000)).has_value());
    auto replaced = withSortedElements(scratch.nft("list table inet kguard"));
    REQUIRE_FALSE(applyBatch(*target, buildReplaceBatch(installed, seq += 1000)).has_value());
    REQUIRE(withSortedElements(scratch.nft("list table inet kguard")) != replaced);
    UpdateCounts counts;
    auto update = buildUpdateBatch(installed, next, seq += 1000, &counts);
    recreated += counts.recreatedSets;
    installed = next;
    REQUIRE(update);  // the chain stays, whatever sets come or go
    ++updates;
    // The table and its chain stay (an update never adds them again).
    for (const auto& object : update->objects)
      CHECK((object.rfind("add table", 0) != 0 && object != "chain input" && object != "chain output"));
    REQUIRE_FALSE(applyBatch(*target, *update).has_value());
    CHECK(withSortedElements(scratch.nft("list table inet kguard")) == replaced);
  }
  CHECK(updates == 6);
  CHECK(recreated >= 3);
  // No chain at all (no Admin tier, no policy) is not an update.
  auto none = cluster(ns("x") + pod("x", "b", "{pod: b}", "10.0.0.2"));
  CHECK_FALSE(buildUpdateBatch(installed, nft::buildTable(compileRuleset(none, podOf(none, "x/b")), options), 1).has_value());
}

// Both kinds of update in the kernel, on a set large enough for both: a few elements deleted, then most of
// them gone (the set is made again whole under its name, the chain's rules flushed and added back); after
// each the kernel lists exactly what a replace gives, and the chain still drops what it should.
TEST_CASE("kernel: an update that recreates a set leaves the table a replace would", "[kernel][cnp]") {
  ScratchNetns scratch;
  const Netns* target = scratch.discover();
  REQUIRE(target);
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1") + pod("x", "b", "{pod: b}", "10.0.0.2") +
                   policy("x", "p", "  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {}}], ports: [{port: 80}]}]"));
  auto withPorts = [&](int first, int count) {
    auto t = nft::buildTable(compileRuleset(c, podOf(c, "x/a")));
    for (auto& s : t.sets)
      if (s.name == "ingress_v4_ports") {
        s.elements.clear();
        for (int i = first; i < first + count; ++i)
          s.elements.push_back({singleAddress(*parseIp("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1))),
                                Protocol::TCP, 80, 80, "p" + std::to_string(i), ""});
      }
    return t;
  };
  auto replaced = [&](const nft::Table& t) {
    REQUIRE_FALSE(applyBatch(*target, buildReplaceBatch(t, 1)).has_value());
    return withSortedElements(scratch.nft("list table inet kguard"));
  };
  auto installed = withPorts(0, 300);
  uint32_t seq = 1000;
  for (auto [first, count, recreates] : std::vector<std::tuple<int, int, size_t>>{{1, 300, 0}, {200, 150, 1}, {201, 150, 0}}) {
    INFO(first << " " << count);
    auto next = withPorts(first, count);
    auto expected = replaced(next);
    replaced(installed);
    UpdateCounts counts;
    auto update = buildUpdateBatch(installed, next, seq += 1000, &counts);
    REQUIRE(update);
    CHECK(counts.recreatedSets == recreates);
    REQUIRE_FALSE(applyBatch(*target, *update).has_value());
    CHECK(withSortedElements(scratch.nft("list table inet kguard")) == expected);
    installed = next;
  }
}

// A tier's Accept and Deny boxes share one verdict map; an element that turns from Deny to Accept (or
// back) in a large map is an element delta, deleted and added with its new verdict, and the deny chain no
// element goes to any more goes (or comes first) in the same transaction, with and without deny logs (a
// chain per Deny rule). The kernel then lists what a replace gives.
TEST_CASE("kernel: a verdict map element that changes verdict is an element delta", "[kernel][cnp]") {
  ScratchNetns scratch;
  const Netns* target = scratch.discover();
  REQUIRE(target);
  auto replaced = [&](const nft::Table& t) {
    REQUIRE_FALSE(applyBatch(*target, buildReplaceBatch(t, 1)).has_value());
    return withSortedElements(scratch.nft("list table inet kguard"));
  };
  RenderOptions logged;
  logged.nflogGroup = 3;
  uint32_t seq = 1000;
  for (const auto& options : {RenderOptions{}, logged})
    for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{{"Deny", "Accept"}, {"Accept", "Deny"}}) {
      INFO(from << " -> " << to << (options.nflogGroup ? " (deny logs)" : ""));
      auto installed = adminVerdictMap(from, options), next = adminVerdictMap(to, options);
      auto expected = replaced(next);
      CHECK(expected.find(to == "Deny" ? ". tcp . 82 comment \"Admin admin ingress[1]\" : goto admin_ingress_deny"
                                       : ". tcp . 82 comment \"Admin admin ingress[1]\" : accept") != std::string::npos);
      replaced(installed);
      UpdateCounts counts;
      auto update = buildUpdateBatch(installed, next, seq += 1000, &counts);
      REQUIRE(update);
      CHECK(counts.recreatedSets == 0);
      CHECK(counts.deleted == 1);
      CHECK(counts.added == 1);
      REQUIRE_FALSE(applyBatch(*target, *update).has_value());
      CHECK(withSortedElements(scratch.nft("list table inet kguard")) == expected);
    }
}

// The datapath updates from the table it believes installed; when the kernel holds something else (here:
// no table at all), the update fails and the whole table is installed instead.
TEST_CASE("kernel: an update that does not apply falls back to replacing the table", "[kernel][cnp]") {
  ScratchNetns scratch;
  REQUIRE(scratch.discover());
  auto datapath = makeKernelDatapath();
  NamespaceInfo target;
  for (const auto& info : datapath->namespaces())
    if (info.path == "/var/run/netns/" + scratch.name) target = info;
  REQUIRE(target.id != 0);
  auto oldCluster = adminDenyOnPort(80), newCluster = adminDenyOnPort(8080);
  auto oldTable = nft::buildTable(compileRuleset(oldCluster, podOf(oldCluster, "x/b")));
  auto rs = compileRuleset(newCluster, podOf(newCluster, "x/b"));
  auto newTable = nft::buildTable(rs);
  REQUIRE(buildUpdateBatch(oldTable, newTable, 1).has_value());
  CHECK_FALSE(datapath->install(target, rs, newTable, &oldTable).has_value());
  auto listed = scratch.nft("list table inet kguard");
  INFO(listed);
  CHECK(listed.find("tcp . 8080") != std::string::npos);
  CHECK(listed.find("tcp . 80 ") == std::string::npos);
}

TEST_CASE("kernel: a failing batch names the object and leaves the old ruleset in place", "[kernel]") {
  ScratchNetns scratch;
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

namespace {

// Runs fn on a thread inside /var/run/netns/NAME ("" = this process's namespace) and returns its result.
bool inNamedNetns(const std::string& name, const std::function<bool()>& fn) {
  bool result = false;
  std::thread worker([&] {
    if (!name.empty()) {
      int fd = open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return;
      close(fd);
    }
    result = fn();
  });
  worker.join();
  return result;
}

// ip:port as a socket address: IPv6 when `ip` has a colon.
struct Endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;
  int family() const { return address.ss_family; }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&address); }
};

Endpoint endpoint(const std::string& ip, int port) {
  Endpoint e;
  if (ip.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&e.address);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
    e.length = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&e.address);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
    e.length = sizeof *a;
  }
  return e;
}

enum class Connect { Established, Refused, TimedOut };

// A TCP connect within 1 s (the kernel completes the handshake for a listening socket by itself);
// `keep` receives the connected socket, otherwise it is closed.
Connect tcpConnect(const std::string& ip, int port, int* keep = nullptr) {
  auto a = endpoint(ip, port);
  int fd = socket(a.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Connect::Refused;
  int err = connect(fd, a.get(), a.length) == 0 ? 0 : errno;
  if (err == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    socklen_t len = sizeof err;
    if (poll(&p, 1, 1000) != 1) err = ETIMEDOUT;
    else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  }
  if (err == 0 && keep) *keep = fd;
  else close(fd);
  return err == 0 ? Connect::Established : err == ETIMEDOUT ? Connect::TimedOut : Connect::Refused;
}

bool tcpConnects(const std::string& ip, int port) { return tcpConnect(ip, port) == Connect::Established; }

// A listening socket on ip:port inside the named namespace, or -1.
int listenIn(const std::string& netns, const std::string& ip, int port) {
  int fd = -1;
  inNamedNetns(netns, [&] {
    auto a = endpoint(ip, port);
    fd = socket(a.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    return bind(fd, a.get(), a.length) == 0 && listen(fd, 16) == 0;
  });
  return fd;
}

// A connection from the named namespace (the socket stays there), or -1.
int connectFrom(const std::string& netns, const std::string& ip, int port) {
  int fd = -1;
  inNamedNetns(netns, [&] { return tcpConnect(ip, port, &fd) == Connect::Established; });
  return fd;
}

// One byte written on `from` arrives on `to` within 1 s.
bool delivered(int from, int to, char byte) {
  if (from < 0 || to < 0 || send(from, &byte, 1, MSG_NOSIGNAL) != 1) return false;
  pollfd p{to, POLLIN, 0};
  char got = 0;
  return poll(&p, 1, 1000) == 1 && recv(to, &got, 1, MSG_DONTWAIT) == 1 && got == byte;
}

// Two pod namespaces on a bridge in this (the "node's") namespace, the way the CNI bridge plugin wires
// them: the bridge holds the gateway address the node's packets to its pods leave from.
struct BridgedPods {
  std::string tag = std::to_string(getpid() % 100000);
  std::string bridge = "kgbr" + tag, p = "kguard-unit-p" + tag, q = "kguard-unit-q" + tag;
  bool ok = false;
  // `subnet`: the first three octets; p is .2, q .3, the bridge .1. Cases that install rulesets use
  // different subnets: the agent matches namespaces by pod IP, on this whole machine.
  explicit BridgedPods(const std::string& subnet = "10.123.45") {
    takeMachineWideNetnsLock();
    std::string cmd = "ip link add " + bridge + " type bridge && ip addr add " + subnet + ".1/24 dev " + bridge +
                      " && ip link set " + bridge + " up";
    int host = 2;
    for (const auto& [name, ip] : {std::pair{p, subnet + ".2"}, std::pair{q, subnet + ".3"}}) {
      std::string veth = "kgv" + std::to_string(host++) + "-" + tag;
      cmd += " && ip netns add " + name + " && ip link add " + veth + " type veth peer name eth0 netns " + name +
             " && ip link set " + veth + " master " + bridge + " up && ip -n " + name + " addr add " + ip +
             "/24 dev eth0 && ip -n " + name + " link set eth0 up && ip -n " + name + " link set lo up";
    }
    ok = system(cmd.c_str()) == 0;
  }
  // The host-side veths are deleted first: that is synchronous, while a deleted namespace's devices go
  // later, and the next case's lab reuses their names.
  ~BridgedPods() {
    (void)!system(("ip link del kgv2-" + tag + " 2>/dev/null; ip link del kgv3-" + tag + " 2>/dev/null; ip netns delete " +
                   p + " 2>/dev/null; ip netns delete " + q + " 2>/dev/null; ip link del " + bridge + " 2>/dev/null")
                      .c_str());
  }
};

}  // namespace

// The readiness-probe bug: with the bridge's address missing from the node set, a deny-all ingress
// policy cut the node (kubelet probes) off its pods. Other pods must stay out.
TEST_CASE("kernel: under deny-all ingress the node reaches its pod from the bridge's address, other pods do not", "[kernel]") {
  BridgedPods lab;
  REQUIRE(lab.ok);
  int listener = listenIn(lab.p, "10.123.45.2", 8080);
  REQUIRE(listener >= 0);
  CHECK(tcpConnects("10.123.45.2", 8080));  // open before any policy
  CHECK(inNamedNetns(lab.q, [] { return tcpConnects("10.123.45.2", 8080); }));

  // The Node object names an address this machine does not have: only the interface addresses can help.
  auto c = cluster(ns("x") + pod("x", "p", "{pod: p}", "10.123.45.2", "[]", "  nodeName: n1\n") +
                   pod("x", "q", "{pod: q}", "10.123.45.3", "[]", "  nodeName: n1\n") +
                   "---\napiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 192.0.2.99}]}\n" +
                   policy("x", "deny", "  podSelector: {matchLabels: {pod: p}}\n  policyTypes: [Ingress]"));
  auto datapath = makeKernelDatapath();
  Reconciler agent(*datapath, "n1", {});
  auto stats = agent.sync(c);
  INFO(stats.messages.size());
  CHECK(stats.failed == 0);
  CHECK(stats.installed >= 1);
  CHECK(run("ip netns exec " + lab.p + " nft list set inet kguard node_v4").find("10.123.45.1") != std::string::npos);
  CHECK(tcpConnects("10.123.45.2", 8080));                                                // the node: allowed
  CHECK_FALSE(inNamedNetns(lab.q, [] { return tcpConnects("10.123.45.2", 8080); }));  // a pod: dropped
  close(listener);
}

// The long-lived-connection bug: conntrack in a pod's namespace starts with kguard's table, so the next
// segment of a connection opened before it was `ct state new`, and a reply to the pod's own egress
// connection met the ingress drop (the webhook's namespace watch stalled). A policy decides such a
// connection as if it opened now, in whichever direction it was opened; denied peers stay dropped.
TEST_CASE("kernel: connections open before the first policy keep working when the policy allows them", "[kernel]") {
  BridgedPods lab;
  REQUIRE(lab.ok);
  const std::string p = "10.123.45.2", q = "10.123.45.3";
  int pListen = listenIn(lab.p, p, 8080), pDenied = listenIn(lab.p, p, 8081);
  int qListen = listenIn(lab.q, q, 9000), qDenied = listenIn(lab.q, q, 9001);
  REQUIRE((pListen >= 0 && pDenied >= 0 && qListen >= 0 && qDenied >= 0));
  // Before any policy: p opens one connection to q's allowed port and one to a port it will be denied;
  // q opens one to p's allowed port.
  int outgoing = connectFrom(lab.p, q, 9000), outgoingDenied = connectFrom(lab.p, q, 9001);
  int incoming = connectFrom(lab.q, p, 8080);
  int outgoingPeer = acceptWithin(qListen), outgoingDeniedPeer = acceptWithin(qDenied);
  int incomingPeer = acceptWithin(pListen);
  REQUIRE((outgoing >= 0 && outgoingDenied >= 0 && incoming >= 0));
  REQUIRE((outgoingPeer >= 0 && outgoingDeniedPeer >= 0 && incomingPeer >= 0));

  auto c = cluster(ns("x") + pod("x", "p", "{pod: p}", p, "[]", "  nodeName: n1\n") +
                   pod("x", "q", "{pod: q}", q, "[]", "  nodeName: n1\n") +
                   policy("x", "p", "  podSelector: {matchLabels: {pod: p}}\n  policyTypes: [Ingress, Egress]\n"
                                    "  ingress: [{from: [{podSelector: {matchLabels: {pod: q}}}], ports: [{port: 8080}]}]\n"
                                    "  egress: [{to: [{podSelector: {matchLabels: {pod: q}}}], ports: [{port: 9000}]}]"));
  auto datapath = makeKernelDatapath();
  Reconciler agent(*datapath, "n1", {});
  REQUIRE(agent.sync(c).failed == 0);
  INFO(run("ip netns exec " + lab.p + " nft list table inet kguard"));

  // The peer speaks first on p's own connection (the watch's case), then p answers.
  CHECK(delivered(outgoingPeer, outgoing, 'a'));
  CHECK(delivered(outgoing, outgoingPeer, 'b'));
  // p speaks first on the connection q opened, then q answers.
  CHECK(delivered(incomingPeer, incoming, 'c'));
  CHECK(delivered(incoming, incomingPeer, 'd'));
  // A connection the policy does not allow is cut, whichever side speaks.
  CHECK_FALSE(delivered(outgoingDeniedPeer, outgoingDenied, 'e'));
  CHECK_FALSE(delivered(outgoingDenied, outgoingDeniedPeer, 'f'));
  // New connections: the allowed one opens; a denied peer port is dropped, not answered with a reset,
  // whether p listens there or not.
  CHECK(inNamedNetns(lab.q, [&] { return tcpConnect(p, 8080) == Connect::Established; }));
  CHECK(inNamedNetns(lab.q, [&] { return tcpConnect(p, 8081) == Connect::TimedOut; }));
  CHECK(inNamedNetns(lab.q, [&] { return tcpConnect(p, 8082) == Connect::TimedOut; }));
  for (int fd : {pListen, pDenied, qListen, qDenied, outgoing, outgoingDenied, incoming, outgoingPeer, outgoingDeniedPeer,
                 incomingPeer})
    close(fd);
}

// The same for pods the ClusterNetworkPolicy tiers decide: a connection p opened before its table is
// picked up mid-stream, and passes when p's egress (Admin Accept, or no Admin match and a Baseline
// Accept) admits it, although p's ingress has an Admin Deny for q; one q opened passes when p's ingress
// admits it (Admin Accept), although p's egress has a Baseline Deny for q. Connections either side's
// tiers deny are cut whichever side speaks, and new denied connections still time out.
TEST_CASE("kernel: connections open before the first ClusterNetworkPolicy keep working when its tiers allow them", "[kernel][cnp]") {
  BridgedPods lab("10.123.46");
  REQUIRE(lab.ok);
  const std::string p = "10.123.46.2", q = "10.123.46.3";
  int pListen = listenIn(lab.p, p, 8080), pDenied = listenIn(lab.p, p, 8081);
  std::array<int, 4> qListen{};  // 9000 Admin Accept, 9001 Admin Deny, 9002 Baseline Accept, 9003 Baseline Deny
  for (int i = 0; i < 4; ++i) qListen[i] = listenIn(lab.q, q, 9000 + i);
  REQUIRE((pListen >= 0 && pDenied >= 0 && qListen[0] >= 0 && qListen[1] >= 0 && qListen[2] >= 0 && qListen[3] >= 0));
  std::array<int, 4> outgoing{}, outgoingPeer{};
  for (int i = 0; i < 4; ++i) {
    outgoing[i] = connectFrom(lab.p, q, 9000 + i);
    outgoingPeer[i] = acceptWithin(qListen[i]);
  }
  int incoming = connectFrom(lab.q, p, 8080), incomingDenied = connectFrom(lab.q, p, 8081);
  int incomingPeer = acceptWithin(pListen), incomingDeniedPeer = acceptWithin(pDenied);
  for (int i = 0; i < 4; ++i) REQUIRE((outgoing[i] >= 0 && outgoingPeer[i] >= 0));
  REQUIRE((incoming >= 0 && incomingDenied >= 0 && incomingPeer >= 0 && incomingDeniedPeer >= 0));

  std::string cnp = "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n";
  std::string toQ = "{pods: {podSelector: {matchLabels: {pod: q}}}}";
  auto c = cluster(ns("x") + pod("x", "p", "{pod: p}", p, "[]", "  nodeName: n1\n") +
                   pod("x", "q", "{pod: q}", q, "[]", "  nodeName: n1\n") +
                   cnp + "metadata: {name: admin}\nspec:\n  tier: Admin\n  priority: 1\n"
                   "  subject: {pods: {podSelector: {matchLabels: {pod: p}}}}\n"
                   "  ingress:\n  - {action: Accept, from: [" + toQ + "], protocols: [{tcp: {destinationPort: {number: 8080}}}]}\n"
                   "  - {action: Deny, from: [" + toQ + "]}\n"
                   "  egress:\n  - {action: Accept, to: [" + toQ + "], protocols: [{tcp: {destinationPort: {number: 9000}}}]}\n"
                   "  - {action: Deny, to: [" + toQ + "], protocols: [{tcp: {destinationPort: {number: 9001}}}]}\n" +
                   cnp + "metadata: {name: base}\nspec:\n  tier: Baseline\n  priority: 1\n"
                   "  subject: {pods: {podSelector: {matchLabels: {pod: p}}}}\n"
                   "  egress:\n  - {action: Accept, to: [" + toQ + "], protocols: [{tcp: {destinationPort: {number: 9002}}}]}\n"
                   "  - {action: Deny, to: [" + toQ + "]}\n");
  auto datapath = makeKernelDatapath({});
  Reconciler agent(*datapath, "n1", {});
  REQUIRE(agent.sync(c).failed == 0);
  INFO(run("ip netns exec " + lab.p + " nft list table inet kguard"));

  // p's own connections that its egress allows: q speaks first (its segment meets p's Admin ingress Deny
  // for q unless recognised), then p answers.
  for (int i : {0, 2}) {
    INFO("q:" << 9000 + i);
    CHECK(delivered(outgoingPeer[i], outgoing[i], 'a'));
    CHECK(delivered(outgoing[i], outgoingPeer[i], 'b'));
  }
  // The connection q opened to p's allowed port: p speaks first (its segment meets the Baseline egress
  // Deny for q unless recognised), then q answers.
  CHECK(delivered(incomingPeer, incoming, 'c'));
  CHECK(delivered(incoming, incomingPeer, 'd'));
  // Denied by the Admin (9001) or the Baseline (9003) egress tier, or by the Admin ingress Deny (8081):
  // cut whichever side speaks.
  for (int i : {1, 3}) {
    INFO("q:" << 9000 + i);
    CHECK_FALSE(delivered(outgoingPeer[i], outgoing[i], 'e'));
    CHECK_FALSE(delivered(outgoing[i], outgoingPeer[i], 'f'));
  }
  CHECK_FALSE(delivered(incomingDeniedPeer, incomingDenied, 'g'));
  CHECK_FALSE(delivered(incomingDenied, incomingDeniedPeer, 'h'));
  // New connections: SYNs meet the tiers as before; a denied one from q is dropped, not reset (p's own
  // denied SYNs fail locally: a drop on the output hook).
  CHECK(inNamedNetns(lab.q, [&] { return tcpConnect(p, 8080) == Connect::Established; }));
  CHECK(inNamedNetns(lab.q, [&] { return tcpConnect(p, 8081) == Connect::TimedOut; }));
  CHECK(inNamedNetns(lab.p, [&] { return tcpConnect(q, 9000) == Connect::Established; }));
  CHECK(inNamedNetns(lab.p, [&] { return tcpConnect(q, 9002) == Connect::Established; }));
  CHECK(inNamedNetns(lab.p, [&] { return tcpConnect(q, 9001) != Connect::Established; }));
  CHECK(inNamedNetns(lab.p, [&] { return tcpConnect(q, 9003) != Connect::Established; }));
  for (int fd : {pListen, pDenied, incoming, incomingDenied, incomingPeer, incomingDeniedPeer}) close(fd);
  for (int i = 0; i < 4; ++i)
    for (int fd : {qListen[i], outgoing[i], outgoingPeer[i]}) close(fd);
}

// The agent's incremental path against a fresh agent, in the kernel: after each kind of change the
// tables it leaves in p's and q's namespaces list exactly as a fresh agent's install; ClusterNetworkPolicy
// changes, even those that add or remove tier sets and rules, are updates (the chains stay), and one that
// changes no pod's ruleset builds and installs nothing.
TEST_CASE("kernel: after each kind of change the agent's tables are a fresh agent's; tier changes are updates", "[kernel][cnp]") {
  BridgedPods lab("10.123.47");
  REQUIRE(lab.ok);
  const std::string p = "10.123.47.2", q = "10.123.47.3";
  const std::string world = ns("x") + pod("x", "p", "{pod: p}", p, "[]", "  nodeName: n1\n") +
                            pod("x", "q", "{pod: q}", q, "[]", "  nodeName: n1\n");
  // p's ingress is isolated by a NetworkPolicy (so the Baseline never decides it); the Admin CNP
  // selects both pods, the Baseline CNP q only.
  auto networkPolicy = [](int port) {
    return policy("x", "to-p", "  podSelector: {matchLabels: {pod: p}}\n  ingress: [{from: [{podSelector: {}}], ports: [{port: " +
                                   std::to_string(port) + "}]}]");
  };
  auto admin = [](int deniedPort, bool accept) {
    return "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: admin}\n"
           "spec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n" +
           std::string(accept ? "  - {action: Accept, from: [{namespaces: {}}], protocols: [{udp: {destinationPort: {number: 53}}}]}\n" : "") +
           "  - {action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: " +
           std::to_string(deniedPort) + "}}}]}\n";
  };
  auto baseline = [](int deniedPort) {
    return "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: base}\n"
           "spec:\n  tier: Baseline\n  priority: 1\n  subject: {namespaces: {}}\n"
           "  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: " +
           std::to_string(deniedPort) + "}}}]}]\n";
  };
  auto listed = [&] {
    return withSortedElements(run("ip netns exec " + lab.p + " nft list table inet kguard")) + "\n---\n" +
           withSortedElements(run("ip netns exec " + lab.q + " nft list table inet kguard"));
  };
  auto datapath = makeKernelDatapath();
  Reconciler agent(*datapath, "n1", {});
  REQUIRE(agent.sync(cluster(world + networkPolicy(80) + admin(81, false) + baseline(82))).installed == 2);

  struct Step {
    const char* change;
    std::string objects;
    size_t installed, updates, sameRuleset;
  };
  for (const auto& step : std::vector<Step>{
           {"an Admin port moves", networkPolicy(80) + admin(83, false) + baseline(82), 2, 2, 0},
           {"an Admin Accept set fills", networkPolicy(80) + admin(83, true) + baseline(82), 2, 2, 0},
           {"the Admin Accept set empties", networkPolicy(80) + admin(83, false) + baseline(82), 2, 2, 0},
           // q's Baseline moves; p's ingress is isolated, so its ruleset comes out the same.
           {"a Baseline port moves", networkPolicy(80) + admin(83, false) + baseline(84), 1, 1, 1},
           {"a NetworkPolicy port moves", networkPolicy(90) + admin(83, false) + baseline(84), 1, 1, 0},
           // p: no tier decides its ingress any more, its chain's tier rules and sets go; q: its Baseline still
           // decides. Both chains stay: updates.
           {"the Admin CNP goes", networkPolicy(90) + baseline(84), 2, 2, 0},
       }) {
    INFO(step.change);
    auto c = cluster(world + step.objects);
    auto stats = agent.sync(c);
    CHECK(stats.failed == 0);
    CHECK(stats.installed == step.installed);
    CHECK(stats.updates == step.updates);
    CHECK(stats.sameRuleset == step.sameRuleset);
    auto incremental = listed();
    INFO(incremental);
    REQUIRE(incremental.find("table inet kguard") != std::string::npos);
    auto freshDatapath = makeKernelDatapath();
    Reconciler fresh(*freshDatapath, "n1", {});
    REQUIRE(fresh.sync(c).installed == 2);
    CHECK(listed() == incremental);
  }
}

// A tier's Accept and Deny boxes share one verdict map, whose Deny elements go to a deny chain that exists
// only while some element goes to it, so an Admin change turns an element's verdict and makes the deny
// chain vanish and come back. The agent installs that as an update (base chain and map stay; elements,
// deny chain in one transaction): the kernel's table is then a fresh agent's, new connections meet the
// new tiers, and a connection open across the change keeps flowing.
TEST_CASE("kernel: a tier element that changes verdict is an update, and traffic stays enforced across it", "[kernel][cnp]") {
  BridgedPods lab("10.123.48");
  REQUIRE(lab.ok);
  const std::string p = "10.123.48.2", q = "10.123.48.3";
  const std::string world = ns("x") + pod("x", "p", "{pod: p}", p, "[]", "  nodeName: n1\n") +
                            pod("x", "q", "{pod: q}", q, "[]", "  nodeName: n1\n") +
                            policy("x", "to-p", "  podSelector: {matchLabels: {pod: p}}\n  ingress: [{from: [{podSelector: {}}], ports: [{port: 8080}]}]");
  auto admin = [&](const std::string& action, int port) {
    return world + "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: admin}\n"
                   "spec:\n  tier: Admin\n  priority: 1\n  subject: {pods: {podSelector: {matchLabels: {pod: p}}}}\n  ingress:\n"
                   "  - {action: " + action + ", from: [{pods: {podSelector: {matchLabels: {pod: q}}}}], protocols: [{tcp: {destinationPort: {number: " +
                   std::to_string(port) + "}}}]}\n";
  };
  std::array<int, 3> listeners{};  // p on 8080 (the NetworkPolicy's port), 8081, 8082
  for (int i = 0; i < 3; ++i) REQUIRE((listeners[i] = listenIn(lab.p, p, 8080 + i)) >= 0);
  auto fromQ = [&](int port) { return inNamedNetns(lab.q, [&] { return tcpConnect(p, port) == Connect::Established; }); };
  // The table without the counters' values (the probes' drops count in them).
  auto listed = [&] {
    static const std::regex counted(R"(packets \d+ bytes \d+)");
    return std::regex_replace(withSortedElements(run("ip netns exec " + lab.p + " nft list table inet kguard")), counted, "");
  };
  auto datapath = makeKernelDatapath();
  Reconciler agent(*datapath, "n1", {});
  REQUIRE(agent.sync(cluster(admin("Deny", 8080))).failed == 0);
  {
    auto table = listed();
    INFO(table);
    CHECK(table.find("map admin_ingress_v4") != std::string::npos);
    CHECK(table.find(": goto admin_ingress_deny") != std::string::npos);
    CHECK(table.find(": accept") == std::string::npos);
    CHECK(table.find("admin_ingress_v6") == std::string::npos);  // empty: not declared, not looked up
    // The Deny of 8080 overlaps the NetworkPolicy's allow, looked up ahead of the Admin map: it goes first.
    CHECK(table.find("map admin_ingress_v4_np_overrides") != std::string::npos);
  }
  CHECK_FALSE(fromQ(8080));  // Admin Deny before the NetworkPolicy's allow
  CHECK_FALSE(fromQ(8082));  // no policy allows it

  struct Step {
    const char* change;
    std::string objects;
    const char* present;  // what the change makes appear in the tier's map
    const char* gone;     // and what it removes
    std::array<bool, 3> connects;  // new connections from q to 8080, 8081, 8082
    size_t removedSets;            // the overrides map goes with the Deny of the NetworkPolicy's port
  };
  int kept = -1, keptPeer = -1;  // q's connection to 8082, opened while the Admin tier accepts it
  for (const auto& step : std::vector<Step>{
           {"the Admin Deny goes, an Admin Accept of 8082 comes", admin("Accept", 8082), ". tcp . 8082 comment \"Admin admin ingress[0]\" : accept",
            "admin_ingress_deny", {true, false, true}, 1},
           {"the Accept turns into a Deny of 8082", admin("Deny", 8082),
            ". tcp . 8082 comment \"Admin admin ingress[0]\" : goto admin_ingress_deny", ": accept", {true, false, false}, 0},
       }) {
    INFO(step.change);
    auto c = cluster(step.objects);
    auto stats = agent.sync(c);
    CHECK(stats.failed == 0);
    CHECK(stats.installed == 1);  // p; q's ruleset (no policy) is the same
    CHECK(stats.updates == 1);
    CHECK(stats.addedSets == 0);  // the tier's verdict map stays; its element changes verdict
    CHECK(stats.removedSets == step.removedSets);
    auto incremental = listed();
    INFO(incremental);
    CHECK(incremental.find(step.present) != std::string::npos);
    CHECK(incremental.find(step.gone) == std::string::npos);
    if (kept < 0) {  // before the probes, whose connections the listener would accept first
      kept = connectFrom(lab.q, p, 8082);
      keptPeer = acceptWithin(listeners[2]);
      REQUIRE((kept >= 0 && keptPeer >= 0));
    } else {  // opened before this change, which denies its port to new connections: it keeps flowing
      CHECK(delivered(kept, keptPeer, 'a'));
      CHECK(delivered(keptPeer, kept, 'b'));
    }
    for (int i = 0; i < 3; ++i) {
      INFO("port " << 8080 + i);
      CHECK(fromQ(8080 + i) == step.connects[i]);
    }
    auto freshDatapath = makeKernelDatapath();
    Reconciler fresh(*freshDatapath, "n1", {});
    REQUIRE(fresh.sync(c).failed == 0);
    CHECK(listed() == incremental);
  }
  for (int fd : {listeners[0], listeners[1], listeners[2], kept, keptPeer}) close(fd);
}

// The exempt rules run only where a tier chain would drop (README "Compiling the tiers"): a pod whose
// Admin tier denies everything but one port each way, its own addresses included, still reaches itself
// over lo (hairpin: no policy applies), and IPv6 neighbour discovery still works, its solicitations and
// advertisements falling under the Admin Deny (q's address on ingress, ::/0 on egress) and passing at
// the deny chains' jump to the exempt chain; what the tier denies stays dropped, not reset.
TEST_CASE("kernel: under an Admin Deny a pod reaches itself over lo and IPv6 neighbour discovery works", "[kernel][cnp]") {
  BridgedPods lab("10.123.49");
  REQUIRE(lab.ok);
  const std::string p = "10.123.49.2", q = "10.123.49.3", p6 = "fd00:123:49::2", q6 = "fd00:123:49::3";
  // nodad: usable at once. No traffic before the table, so q and p resolve each other's IPv6 address
  // only under it.
  REQUIRE(system(("ip -n " + lab.p + " addr add " + p6 + "/64 dev eth0 nodad && ip -n " + lab.q + " addr add " + q6 +
                  "/64 dev eth0 nodad")
                     .c_str()) == 0);
  std::string cnp = "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n";
  std::string fromQ = "{pods: {podSelector: {matchLabels: {pod: q}}}}";
  auto c = cluster(ns("x") + pod("x", "p", "{pod: p}", p + "," + p6, "[]", "  nodeName: n1\n") +
                   pod("x", "q", "{pod: q}", q + "," + q6, "[]", "  nodeName: n1\n") +
                   cnp + "metadata: {name: admin}\nspec:\n  tier: Admin\n  priority: 1\n"
                   "  subject: {pods: {podSelector: {matchLabels: {pod: p}}}}\n"
                   "  ingress:\n  - {action: Accept, from: [" + fromQ + "], protocols: [{tcp: {destinationPort: {number: 8080}}}]}\n"
                   "  - {action: Deny, from: [{namespaces: {}}]}\n"
                   "  egress:\n  - {action: Accept, to: [" + fromQ + "], protocols: [{tcp: {destinationPort: {number: 9000}}}]}\n"
                   "  - {action: Deny, to: [{networks: [0.0.0.0/0, \"::/0\"]}]}\n");
  std::vector<int> fds;
  for (const auto& [netns, ip, port] : {std::tuple{lab.p, p, 8080}, std::tuple{lab.p, p6, 8080}, std::tuple{lab.p, p6, 8081},
                                        std::tuple{lab.q, q6, 9000}}) {
    fds.push_back(listenIn(netns, ip, port));
    REQUIRE(fds.back() >= 0);
  }
  auto datapath = makeKernelDatapath({});
  Reconciler agent(*datapath, "n1", {});
  REQUIRE(agent.sync(c).failed == 0);
  const std::string table = run("ip netns exec " + lab.p + " nft list table inet kguard");
  INFO(table);
  REQUIRE(table.find("chain ingress_exempt") != std::string::npos);
  REQUIRE(table.find("chain egress_exempt") != std::string::npos);
  auto fromNetns = [](const std::string& netns, const std::string& ip, int port) {
    Connect result = Connect::Refused;
    inNamedNetns(netns, [&] {
      result = tcpConnect(ip, port);
      return true;
    });
    return result;
  };
  // p to itself, on both families: its egress and ingress Deny name its own address (lo decides).
  CHECK(fromNetns(lab.p, p, 8080) == Connect::Established);
  CHECK(fromNetns(lab.p, p6, 8081) == Connect::Established);
  // Over IPv6 both ways: neighbour discovery first, under the Deny.
  CHECK(fromNetns(lab.q, p6, 8080) == Connect::Established);
  CHECK(fromNetns(lab.p, q6, 9000) == Connect::Established);
  // What the Admin tier denies is dropped.
  CHECK(fromNetns(lab.q, p6, 8081) == Connect::TimedOut);
  CHECK(fromNetns(lab.p, q6, 9001) != Connect::Established);
  for (int fd : fds) close(fd);
}
