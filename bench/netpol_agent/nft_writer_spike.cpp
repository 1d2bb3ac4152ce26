// Spike: Debian's libnftables (1.0.6, `nft -f` text through nft_run_cmd_from_buffer) against kguard's
// libnftnl batch as the agent's batch writer, per namespace install, in one run (docs/benchmarks.md).
//   nft_writer_spike [NAMESPACES] [ROUNDS]     (root; creates and deletes netns kgs<pid>-*)
// Both writers get the same nft::Table and keep one handle per namespace open, as the agent does (an
// NftSocket; an nft_ctx created inside the namespace, whose netlink socket stays bound to it). Each
// install replaces the table with the other of two variants (ports shifted), so every install is a
// real change. Rounds alternate which writer goes first.
#include <nftables/libnftables.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "netpol/agent/netns.h"
#include "netpol/agent/nft_batch.h"
#include "netpol/render_nft.h"

using namespace netpol;
using namespace netpol::agent;
using Clock = std::chrono::steady_clock;

namespace {

// A pod's ruleset with `elements` peers: half whole-address, half address . tcp . port, plus egress.
Ruleset ruleset(int elements, int portShift) {
  Ruleset rs;
  rs.pod = "bench/server";
  rs.podIps = {*parseIp("10.253.0.1")};
  rs.nodeAddresses[0] = {singleAddress(*parseIp("10.253.255.254"))};
  rs.ingress.isolatingPolicies = {"bench/p"};
  rs.egress.isolatingPolicies = {"bench/p"};
  for (int i = 0; i < elements; ++i) {
    auto ip = *parseIp("10.254." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1));
    if (i % 2)
      rs.ingress.anyPort[0].push_back({singleAddress(ip), {"bench/p" + std::to_string(i) + " ingress[0]"}});
    else
      rs.ingress.ports[0].push_back({singleAddress(ip), Protocol::TCP, 1000 + i + portShift, 1000 + i + portShift,
                                     {"bench/p" + std::to_string(i) + " ingress[0]"}});
  }
  rs.egress.ports[0].push_back({singleAddress(*parseIp("10.96.0.10")), Protocol::UDP, 53, 53, {"bench/dns egress[0]"}});
  return rs;
}

template <typename Fn>
void inNetns(const Netns& ns, Fn fn) {
  std::thread t([&] {
    if (setns(ns.fd(), CLONE_NEWNET) != 0) throw std::runtime_error("setns " + ns.path());
    fn();
  });
  t.join();
}

struct NftablesCtx {
  nft_ctx* ctx = nullptr;
  explicit NftablesCtx(const Netns& ns) {
    inNetns(ns, [&] { ctx = nft_ctx_new(NFT_CTX_DEFAULT); });
    if (!ctx) throw std::runtime_error("nft_ctx_new");
    nft_ctx_buffer_output(ctx);
    nft_ctx_buffer_error(ctx);
  }
  ~NftablesCtx() { nft_ctx_free(ctx); }
  void run(const std::string& text) {
    if (nft_run_cmd_from_buffer(ctx, text.c_str()) != 0)
      throw std::runtime_error(std::string("libnftables: ") + nft_ctx_get_error_buffer(ctx));
  }
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 20;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  if (geteuid() != 0) {
    std::fprintf(stderr, "needs root (network namespaces)\n");
    return 77;
  }
  const std::string prefix = "kgs" + std::to_string(getpid()) + "-";
  for (int i = 0; i < count; ++i)
    if (std::system(("ip netns add " + prefix + std::to_string(i)).c_str()) != 0) return 1;
  int rc = 0;
  try {
    std::vector<Netns> namespaces;
    for (auto& ns : discoverNetns())
      if (ns.path().find("/" + prefix) != std::string::npos) namespaces.push_back(std::move(ns));
    std::vector<std::unique_ptr<NftSocket>> sockets;
    std::vector<std::unique_ptr<NftablesCtx>> contexts;
    for (const auto& ns : namespaces) {
      sockets.push_back(std::make_unique<NftSocket>(ns));
      contexts.push_back(std::make_unique<NftablesCtx>(ns));
    }
    std::printf("| elements | libnftnl batch p50 / p99 µs | libnftables text p50 / p99 µs | ratio p50 (libnftables / libnftnl) |\n|---|---|---|---|\n");
    for (int elements : {10, 100, 1000}) {
      nft::Table tables[2] = {nft::buildTable(ruleset(elements, 0)), nft::buildTable(ruleset(elements, 1))};
      std::map<std::string, std::vector<double>> micros;
      uint32_t seq = 1;
      int variant = 0;
      auto installAll = [&](const std::string& writer) {
        variant ^= 1;
        for (size_t i = 0; i < namespaces.size(); ++i) {
          auto start = Clock::now();
          if (writer == "libnftnl") {
            seq += 1000000;
            if (auto error = sockets[i]->apply(buildReplaceBatch(tables[variant], seq))) throw std::runtime_error(*error);
          } else {
            contexts[i]->run(renderNft(tables[variant]));
          }
          micros[writer].push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        }
      };
      installAll("libnftnl");  // warm-up: both tables exist from here on
      installAll("libnftables");
      micros.clear();
      for (int r = 0; r < rounds; ++r) {
        if (r % 2) {
          installAll("libnftables");
          installAll("libnftnl");
        } else {
          installAll("libnftnl");
          installAll("libnftables");
        }
      }
      // Both writers install the same table: what libnftables left must list as the batch's would.
      auto viaText = sh("ip netns exec " + prefix + "0 nft list table inet kguard");
      sockets[0]->apply(buildReplaceBatch(tables[variant], seq += 1000000));
      auto viaBatch = sh("ip netns exec " + prefix + "0 nft list table inet kguard");
      if (viaText != viaBatch || viaText.find("table inet kguard") == std::string::npos)
        throw std::runtime_error("the two writers left different tables");
      auto& a = micros["libnftnl"];
      auto& b = micros["libnftables"];
      std::printf("| %d | %.0f / %.0f | %.0f / %.0f | %.2f |\n", elements, percentile(a, 0.5), percentile(a, 0.99),
                  percentile(b, 0.5), percentile(b, 0.99), percentile(b, 0.5) / percentile(a, 0.5));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nft_writer_spike: %s\n", e.what());
    rc = 1;
  }
  for (int i = 0; i < count; ++i) (void)!std::system(("ip netns delete " + prefix + std::to_string(i)).c_str());
  return rc;
}
