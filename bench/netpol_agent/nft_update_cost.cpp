// What an element update costs against a whole-table replace, in the real kernel, by how many elements
// change (docs/benchmarks.md, "element update vs table replace"):
//   nft_update_cost [ROUNDS]     (root; creates and deletes netns kgu<pid>)
// A pod's table holds E NetworkPolicy elements (half address . tcp . port, half whole-address) and an
// Admin tier with an accept set of M address . tcp . port elements; a change rewrites k of the tier's
// elements (k deleted, k added). Each measurement starts from the same installed table and times what
// the agent pays for the change: building the batch plus sending it and waiting for the kernel's acks,
// once as the element delta (buildElementDelta) and once as a replace (buildReplaceBatch), alternating
// which goes first; medians over ROUNDS. The agent replaces instead of updating above the k where the
// update stops winning (kMaxUpdateDeletions in netpol/agent/nft_batch.cpp).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "netpol/agent/netns.h"
#include "netpol/agent/nft_batch.h"

using namespace netpol;
using namespace netpol::agent;
using Clock = std::chrono::steady_clock;

namespace {

IpAddress address(int block, int i) {
  return *parseIp("10." + std::to_string(block) + "." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1));
}

// `changed` of the tier's `tier` elements get other ports than in the base table; `added` more follow.
Ruleset ruleset(int policyElements, int tier, int changed, int added = 0) {
  Ruleset rs;
  rs.pod = "bench/server";
  rs.podIps = {*parseIp("10.253.0.1")};
  rs.ingress.isolatingPolicies = {"bench/p"};
  for (int i = 0; i < policyElements; ++i) {
    std::vector<std::string> origin{"bench/p" + std::to_string(i) + " ingress[0]"};
    if (i % 2)
      rs.ingress.anyPort[0].push_back({singleAddress(address(254, i)), origin});
    else
      rs.ingress.ports[0].push_back({singleAddress(address(254, i)), Protocol::TCP, 1000 + i, 1000 + i, origin});
  }
  for (int i = 0; i < tier + added; ++i) {
    int port = i < changed ? 30000 + i : 2000 + i;
    rs.ingress.admin.accept[0].push_back(
        {singleAddress(address(250, i)), Protocol::TCP, port, port, {"Admin bench ingress[0]"}});
  }
  return rs;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 9;
  if (geteuid() != 0) {
    std::fprintf(stderr, "needs root (network namespaces)\n");
    return 77;
  }
  const std::string name = "kgu" + std::to_string(getpid());
  if (std::system(("ip netns add " + name).c_str()) != 0) return 1;
  int rc = 0;
  try {
    Netns* ns = nullptr;
    auto all = discoverNetns();
    for (auto& n : all)
      if (n.path().find("/" + name) != std::string::npos) ns = &n;
    if (!ns) throw std::runtime_error("netns " + name + " not found");
    NftSocket socket(*ns);
    uint32_t seq = 1;
    auto apply = [&](const NftBatch& batch) {
      if (auto error = socket.apply(batch)) throw std::runtime_error(*error);
    };
    std::printf("| NetworkPolicy elements E | tier set M | changed k | update µs (k deleted, k added) | k added only µs | replace µs | update / replace |\n"
                "|---|---|---|---|---|---|---|\n");
    for (int policyElements : {100, 1000}) {
      for (int tier : {50, 400}) {
        const nft::Table base = nft::buildTable(ruleset(policyElements, tier, 0));
        for (int changed : {1, 8, 32, 64, 128, 256, 400}) {
          if (changed > tier) continue;
          const nft::Table next = nft::buildTable(ruleset(policyElements, tier, changed));
          const nft::Table grown = nft::buildTable(ruleset(policyElements, tier, 0, changed));
          std::vector<double> update, addOnly, replace;
          auto timed = [&](std::vector<double>& out, const nft::Table& to, bool asUpdate) {
            apply(buildReplaceBatch(base, seq += 1000000));  // the same starting point each time
            auto start = Clock::now();
            if (asUpdate)
              apply(*buildElementDelta(base, to, seq += 1000000));
            else
              apply(buildReplaceBatch(to, seq += 1000000));
            out.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
          };
          for (int r = 0; r < rounds; ++r) {
            timed(r % 2 ? replace : update, next, r % 2 == 0);
            timed(r % 2 ? update : replace, next, r % 2 != 0);
            timed(addOnly, grown, true);
          }
          std::printf("| %d | %d | %d | %.0f | %.0f | %.0f | %.2f |\n", policyElements, tier, changed, median(update),
                      median(addOnly), median(replace), median(update) / median(replace));
          std::fflush(stdout);
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nft_update_cost: %s\n", e.what());
    rc = 1;
  }
  (void)!std::system(("ip netns delete " + name).c_str());
  return rc;
}
