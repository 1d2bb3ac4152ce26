#pragma once
// Prometheus metrics of image signature verification (the webhook renders them on /metrics).
#include <atomic>
#include <cstdint>
#include <string>

#include "metrics/prometheus.h"

namespace images {

struct VerificationMetrics {
  metrics::CounterVec verifications{"kguard_image_verifications_total",
                                    "Image signature verifications that went to the registry, by result (\"verified\", "
                                    "\"no signature\", \"registry unreachable\", ...).",
                                    {"result"}};
  // Counted for every image of every admission: plain atomics, not a labelled CounterVec (whose label
  // vector costs an allocation per increment); rendered as one counter with result="hit"|"miss".
  std::atomic<uint64_t> cacheHits{0}, cacheMisses{0};
  metrics::Histogram registryLatency{"kguard_image_registry_duration_seconds",
                                     "Time of one registry operation of a verification: a tag resolution, or the "
                                     "signature manifest and payloads of a digest.",
                                     {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0}};

  void render(std::string& out) const {
    verifications.render(out);
    const char* name = "kguard_image_verification_cache_lookups_total";
    out += std::string("# HELP ") + name + " Lookups of verified digests: hit (admitted without the registry) or miss.\n";
    out += std::string("# TYPE ") + name + " counter\n";
    out += std::string(name) + "{result=\"hit\"} " + std::to_string(cacheHits.load()) + "\n";
    out += std::string(name) + "{result=\"miss\"} " + std::to_string(cacheMisses.load()) + "\n";
    registryLatency.render(out);
  }
};

}  // namespace images
