#include "images/verification_cache.h"

namespace images {
namespace {

using Clock = std::chrono::steady_clock;

// The tag's name as the server knows it (127.0.0.1:05000 and 127.0.0.1:5000 are one registry).
std::string tagKey(const ImageReference& image) {
  return canonicalRegistry(image.registry) + "/" + image.repository + ":" + image.tag;
}

VerifyResult verifiedFromMemory(const std::string& digest, const std::string& keyName, const std::string& why) {
  VerifyResult r;
  r.status = VerifyStatus::Verified;
  r.digest = digest;
  r.keyName = keyName;
  r.reason = why;
  return r;
}

}  // namespace

const std::string* LruMap::find(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return &it->second->second;
}

void LruMap::put(const std::string& key, std::string value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    it->second->second = std::move(value);
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.emplace_front(key, std::move(value));
  index_[key] = order_.begin();
  if (index_.size() > capacity_) {
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

bool VerifiedSet::find(const std::string& subject, std::string* keyName) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  auto it = bySubject_.find(subject);
  if (it == bySubject_.end()) return false;
  const Entry& e = *it->second;
  if (!e.used.load(std::memory_order_relaxed)) e.used.store(true, std::memory_order_relaxed);
  if (keyName) *keyName = e.keyName;
  return true;
}

void VerifiedSet::put(const std::string& subject, const std::string& keyName) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto it = bySubject_.find(subject);
  if (it != bySubject_.end()) {
    it->second->keyName = keyName;
    return;
  }
  auto entry = std::make_unique<Entry>();
  entry->subject = subject;
  entry->keyName = keyName;
  if (slots_.size() < capacity_) {
    bySubject_.emplace(entry->subject, entry.get());
    slots_.push_back(std::move(entry));
    return;
  }
  // Second chance: pass over entries used since the hand last came by (clearing their flag), evict the first unused.
  while (slots_[hand_]->used.exchange(false, std::memory_order_relaxed)) hand_ = (hand_ + 1) % slots_.size();
  bySubject_.erase(slots_[hand_]->subject);
  bySubject_.emplace(entry->subject, entry.get());
  slots_[hand_] = std::move(entry);
  hand_ = (hand_ + 1) % slots_.size();
}

size_t VerifiedSet::size() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return slots_.size();
}

std::string verdictKey(const ImageReference& image, const TrustedKeys& keys, const std::string& digest) {
  return keys.identity() + "\n" + canonicalRegistry(image.registry) + "/" + image.repository + "@" + digest;
}

VerificationCache::VerificationCache(CosignVerifier verifier, size_t capacity, VerificationMetrics* metrics)
    : verifier_(std::move(verifier)), metrics_(metrics), verified_(capacity), tags_(capacity) {}

size_t VerificationCache::size() { return verified_.size(); }

bool VerificationCache::verifiedInMemory(const ImageReference& image, const TrustedKeys& keys) const {
  if (image.digest.empty()) return false;  // a tag is resolved at the registry on every admission
  return verified_.find(verdictKey(image, keys, image.digest));
}

void VerificationCache::countHits(size_t n) {
  if (metrics_ && n) metrics_->cacheHits.fetch_add(n, std::memory_order_relaxed);
}

void VerificationCache::countMiss() {
  if (metrics_) metrics_->cacheMisses.fetch_add(1, std::memory_order_relaxed);
}

void VerificationCache::observe(Clock::time_point start) {
  if (metrics_) metrics_->registryLatency.observe(std::chrono::duration<double>(Clock::now() - start).count());
}

VerifyResult VerificationCache::verify(const ImageReference& image, const TrustedKeys& keys, const Deadline& deadline) {
  std::string digest = image.digest;
  if (digest.empty()) {
    const std::string tagRef = tagKey(image);
    VerifyResult failure;
    auto start = Clock::now();
    bool resolved = verifier_.resolveDigest(image, deadline, digest, failure);
    observe(start);
    std::lock_guard<std::mutex> lock(mutex_);
    if (resolved) {
      tags_.put(tagRef, digest);
    } else {
      // An outage must not block what already verified: the tag's last digest, if it verified.
      const std::string* last = failure.status == VerifyStatus::RegistryUnreachable ? tags_.find(tagRef) : nullptr;
      std::string keyName;
      const bool verifiedBefore = last && verified_.find(verdictKey(image, keys, *last), &keyName);
      countLookup(verifiedBefore);
      if (verifiedBefore)
        return verifiedFromMemory(*last, keyName,
                                  "registry unreachable (" + failure.reason + "); the tag's last digest " + *last +
                                      " verified before");
      if (metrics_) metrics_->verifications.inc({toString(failure.status)});
      return failure;
    }
  }
  const std::string subject = verdictKey(image, keys, digest);
  std::string keyName;
  const bool verifiedBefore = verified_.find(subject, &keyName);
  countLookup(verifiedBefore);
  if (verifiedBefore) return verifiedFromMemory(digest, keyName, "verified before with " + keyName);
  return verifyCold(image, digest, subject, keys, deadline);
}

// One registry round trip per subject (verdictKey) at a time: the first caller verifies, later ones wait
// for its result, each no longer than its own deadline.
VerifyResult VerificationCache::verifyCold(const ImageReference& image, const std::string& digest,
                                           const std::string& key, const TrustedKeys& keys, const Deadline& deadline) {
  std::shared_future<VerifyResult> shared;
  std::promise<VerifyResult> promise;
  bool leader = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = inFlight_.find(key);
    if (it != inFlight_.end()) {
      shared = it->second;
    } else {
      shared = promise.get_future().share();
      inFlight_.emplace(key, shared);
      leader = true;
    }
  }
  if (!leader) {
    if (shared.wait_until(deadline.at) == std::future_status::ready) return shared.get();
    VerifyResult late;
    late.status = VerifyStatus::RegistryUnreachable;
    late.digest = digest;
    late.reason = "the verification of " + digest + " in progress did not finish within the time budget";
    return late;
  }
  VerifyResult result;
  try {
    auto start = Clock::now();
    result = verifier_.verifyDigest(image, digest, keys.keys, deadline);
    observe(start);
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    inFlight_.erase(key);
    promise.set_exception(std::current_exception());
    throw;
  }
  if (result.verified()) verified_.put(key, result.keyName);  // before the flight ends: no gap
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inFlight_.erase(key);
  }
  if (metrics_) metrics_->verifications.inc({toString(result.status)});
  promise.set_value(result);
  return result;
}

}  // namespace images
