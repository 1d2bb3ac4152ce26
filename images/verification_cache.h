#pragma once
// Cosign verification with the failure modes admission needs:
//  - a verdict is remembered for what it was judged on: the key set (policy id and key fingerprints), the
//    registry (canonical: images::canonicalRegistry), the repository and the digest. Signatures live per
//    repository (cosign's <repo>:sha256-<hex>.sig), so the same digest pushed to a second repository or
//    registry is unsigned there until someone signs (or `cosign copy`s) it there;
//  - a verified subject is remembered: a digest names immutable content, so re-admitting it needs no
//    registry, and a registry outage never blocks what already verified;
//  - the last digest each tag resolved to is remembered too: when the registry is unreachable, a tag
//    whose last digest verified is admitted by that digest (the kubelet could pull nothing newer from
//    the same unreachable registry either); a tag never resolved is refused (fail closed);
//  - both memories are bounded: the tags an LRU, the verified subjects a CLOCK (second chance, nearly LRU)
//    whose reads take a shared lock and write nothing shared, as every admission reads it;
//  - concurrent verifications of one subject share one registry round trip (singleflight);
//    a caller waits at most until its own deadline.
// Failures are never cached: the next admission asks the registry again.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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

// Verified subjects (verdictKey()), at most `capacity`. Read by every admission on every event loop: a read
// takes the lock shared and only sets its entry's `used` flag; an insertion at capacity evicts the first
// entry the clock hand finds unused since its last pass (CLOCK, second chance).
class VerifiedSet {
 public:
  explicit VerifiedSet(size_t capacity) : capacity_(capacity ? capacity : 1) {}
  // The name of the key that verified `subject`, copied into *keyName if given.
  bool find(const std::string& subject, std::string* keyName = nullptr) const;
  void put(const std::string& subject, const std::string& keyName);
  size_t size() const;

 private:
  struct Entry {
    std::string subject, keyName;
    mutable std::atomic<bool> used{false};
  };
  size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::vector<std::unique_ptr<Entry>> slots_;  // the clock's face, up to capacity_
  size_t hand_ = 0;
  std::unordered_map<std::string_view, Entry*> bySubject_;  // views of the entries' subjects
};

// Everything a verdict depends on, as one string: the key set's identity, the canonical registry, the
// repository and the digest.
std::string verdictKey(const ImageReference& image, const TrustedKeys& keys, const std::string& digest);

class VerificationCache {
 public:
  static constexpr size_t kDefaultCapacity = 10000;

  // `metrics` may be null (lint); it must outlive the cache.
  VerificationCache(CosignVerifier verifier, size_t capacity = kDefaultCapacity, VerificationMetrics* metrics = nullptr);

  // Verifies `image` with `keys`, from memory when it can. Never throws for registry or signature problems.
  VerifyResult verify(const ImageReference& image, const TrustedKeys& keys, const Deadline& deadline);
  // True when verify() would answer without the registry: a digest reference verified before in the
  // same registry and repository with the same keys.
  bool verifiedInMemory(const ImageReference& image, const TrustedKeys& keys) const;
  // Counts cache hits for a caller that admitted on verifiedInMemory() instead of calling verify().
  void countHits(size_t n);

  size_t size();  // verified entries held

 private:
  // `subject` is verdictKey(image, keys, digest).
  VerifyResult verifyCold(const ImageReference& image, const std::string& digest, const std::string& subject,
                          const TrustedKeys& keys, const Deadline& deadline);
  void observe(std::chrono::steady_clock::time_point start);
  void countLookup(bool hit) { hit ? countHits(1) : countMiss(); }
  void countMiss();

  CosignVerifier verifier_;
  VerificationMetrics* metrics_;
  VerifiedSet verified_;
  std::mutex mutex_;  // tags_ and inFlight_
  LruMap tags_;       // canonical registry/repository:tag -> the digest it last resolved to
  std::map<std::string, std::shared_future<VerifyResult>> inFlight_;  // by verdictKey()
};

}  // namespace images
