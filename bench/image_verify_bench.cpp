// Cold cosign verification latency against a loopback registry (run through
// tests/images/registry_e2e.py, which names its fixture in KGUARD_REGISTRY_FIXTURE):
//
//   python3 tests/images/registry_e2e.py build/bench/image_verify_bench [ITERATIONS]
//
// Each iteration verifies with a fresh VerificationCache and fresh registry clients (nothing remembered),
// by digest and by tag; the baseline in the same run is one manifest GET by digest (one registry round
// trip, the least any verification costs). Prints p50/p99 of each and the ratios to the baseline.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "images/registry_clients.h"
#include "images/verification_cache.h"

using namespace images;
using Clock = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = std::getenv("KGUARD_REGISTRY_FIXTURE");
  if (!path) {
    std::fprintf(stderr, "run through tests/images/registry_e2e.py (KGUARD_REGISTRY_FIXTURE is not set)\n");
    return 2;
  }
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 500;
  std::ifstream in(path);
  nlohmann::json fx = nlohmann::json::parse(in);
  const std::string host = fx["plain"]["host"], digest = fx["plain"]["digests"]["signed"];
  TrustedKeys keys{"bench", {PublicKey::fromFile(fx["keys"]["p256"])}};
  RegistryHost plain{host, {}};
  plain.options.insecure = true;
  const ImageReference byDigest = parseImageReference(host + "/team/signed@" + digest);
  const ImageReference byTag = parseImageReference(host + "/team/signed:v1");

  std::vector<double> baseline, coldDigest, coldTag;
  auto ms = [](Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); };
  for (int i = 0; i < iterations; ++i) {
    {
      RegistryClient client(host, plain.options);
      auto start = Clock::now();
      client.getManifest("team/signed", digest, Deadline::in(std::chrono::seconds(5)));
      baseline.push_back(ms(start));
    }
    for (auto [ref, out] : {std::pair{&byDigest, &coldDigest}, {&byTag, &coldTag}}) {
      RegistryClients clients({plain});
      VerificationCache cache(CosignVerifier([&clients](const std::string& h) { return clients.forHost(h); }));
      auto start = Clock::now();
      VerifyResult r = cache.verify(*ref, keys, Deadline::in(std::chrono::seconds(5)));
      out->push_back(ms(start));
      if (!r.verified()) {
        std::fprintf(stderr, "verification failed: %s\n", r.reason.c_str());
        return 1;
      }
    }
  }
  double b50 = percentile(baseline, 0.5), b99 = percentile(baseline, 0.99);
  std::printf("| measurement (%d iterations) | p50 | p99 | p50 / baseline p50 |\n|---|---|---|---|\n", iterations);
  std::printf("| baseline: one manifest GET by digest | %.2f ms | %.2f ms | 1.00 |\n", b50, b99);
  std::printf("| cold verification by digest | %.2f ms | %.2f ms | %.2f |\n", percentile(coldDigest, 0.5),
              percentile(coldDigest, 0.99), percentile(coldDigest, 0.5) / b50);
  std::printf("| cold verification by tag | %.2f ms | %.2f ms | %.2f |\n", percentile(coldTag, 0.5),
              percentile(coldTag, 0.99), percentile(coldTag, 0.5) / b50);
  return 0;
}
