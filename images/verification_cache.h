#pragma once
// Cosign verification with the failure modes admission needs:
//  - a verified (key set, digest) is remembered: a digest names immutable content, so re-admitting it
//    needs no registry, and a registry outage never blocks what already verified;
//  - the last digest each tag resolved to is remembered too: when the registry is unreachable, a tag
//    whose last digest verified is admitted by that digest (the kubelet could pull nothing newer from
//    the same unreachable registry either); a tag never resolved is refused (fail closed);
//  - both memories are bounded LRUs;
//  - concurrent verifications of one (key set, digest) share one registry round trip (singleflight);
//    a caller waits at most until its own deadline.
// Failures are never cached: the next admission asks the registry again.
#include <chrono>
#include <cstddef>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "images/cosign_verifier.h"
#include "images/verification_metrics.h"

namespace images {

// A least-recently-used map of at most `capacity` entries. Not thread-safe (the cache locks).
class LruMap {
 public:
  explicit LruMap(size_t capacity) : capacity_(capacity ? capacity : 1) {}
  const std::string* find(const std::string& key);  // marks the entry recently used
  void put(const std::string& key, std::string value);
  size_t size() const { return index_.size(); }

 private:
  using Entry = std::pair<std::string, std::string>;
  size_t capacity_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

class VerificationCache {
 public:
  static constexpr size_t kDefaultCapacity = 10000;

  // `metrics` may be null (lint); it must outlive the cache.
  VerificationCache(CosignVerifier verifier, size_t capacity = kDefaultCapacity, VerificationMetrics* metrics = nullptr);

  // Verifies `image` with `keys`, from memory when it can. Never throws for registry or signature problems.
  VerifyResult verify(const ImageReference& image, const TrustedKeys& keys, const Deadline& deadline);
  // True when verify() would answer without the registry: a digest reference verified before. With
  // countHit, a hit counts as a cache hit (a caller that admits on it instead of calling verify()).
  bool verifiedInMemory(const ImageReference& image, const TrustedKeys& keys, bool countHit = false);

  size_t size();  // verified entries held

 private:
  VerifyResult verifyCold(const ImageReference& image, const std::string& digest, const TrustedKeys& keys,
                          const Deadline& deadline);
  void observe(std::chrono::steady_clock::time_point start);
  void countLookup(bool hit);

  CosignVerifier verifier_;
  VerificationMetrics* metrics_;
  std::mutex mutex_;
  LruMap verified_;  // keys.id + " " + digest -> name of the key that verified
  LruMap tags_;      // registry/repository:tag -> the digest it last resolved to
  std::map<std::string, std::shared_future<VerifyResult>> inFlight_;  // keys.id + " " + digest
};

}  // namespace images
