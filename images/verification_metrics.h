#pragma once
// Prometheus metrics of image signature verification (the webhook renders them on /metrics).
#include <string>

#include "metrics/prometheus.h"

namespace images {

struct VerificationMetrics {
  metrics::CounterVec verifications{"kguard_image_verifications_total",
                                    "Image signature verifications that went to the registry, by result (\"verified\", "
                                    "\"no signature\", \"registry unreachable\", ...).",
                                    {"result"}};
  metrics::CounterVec cacheLookups{"kguard_image_verification_cache_lookups_total",
                                   "Lookups of verified digests: hit (admitted without the registry) or miss.",
                                   {"result"}};
  metrics::Histogram registryLatency{"kguard_image_registry_duration_seconds",
                                     "Time of one registry operation of a verification: a tag resolution, or the "
                                     "signature manifest and payloads of a digest.",
                                     {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0}};

  void render(std::string& out) const {
    verifications.render(out);
    cacheLookups.render(out);
    registryLatency.render(out);
  }
};

}  // namespace images
