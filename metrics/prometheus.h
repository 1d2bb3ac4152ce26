#pragma once
// Prometheus metric primitives rendered in the text exposition format (version 0.0.4): counters with
// labels, gauges and histograms. Counters and histograms are sharded per thread (a thread always
// updates the same shard), so that threads on different cores never write to the same cache line
// (the webhook's event loops count every request); reads merge the shards.
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace metrics {

constexpr size_t kShards = 8;
size_t threadShard();  // this thread's shard, fixed for its lifetime

class CounterVec {
 public:
  CounterVec(std::string name, std::string help, std::vector<std::string> labelNames);
  void inc(const std::vector<std::string>& labelValues, uint64_t by = 1);
  uint64_t value(const std::vector<std::string>& labelValues) const;
  void render(std::string& out) const;

 private:
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    std::map<std::vector<std::string>, uint64_t> values;
  };
  std::string name_, help_;
  std::vector<std::string> labelNames_;
  std::array<Shard, kShards> shards_;
};

class Gauge {
 public:
  Gauge(std::string name, std::string help) : name_(std::move(name)), help_(std::move(help)) {}
  void set(double value) { value_.store(value); }
  double value() const { return value_.load(); }
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  static constexpr size_t kMaxBounds = 16;
  // `upperBounds` ascending, in seconds, at most kMaxBounds (std::invalid_argument); +Inf is implied.
  Histogram(std::string name, std::string help, std::vector<double> upperBounds);
  void observe(double seconds);
  uint64_t count() const;
  void render(std::string& out) const;

 private:
  // Per shard: observations per bucket (not cumulative: one increment per observation; those beyond
  // the last bound are only in `count`). Inline, so that shards never share a cache line.
  struct alignas(64) Shard {
    std::array<std::atomic<uint64_t>, kMaxBounds> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sumMicros{0};
  };
  std::string name_, help_;
  std::vector<double> bounds_;
  std::array<Shard, kShards> shards_;
};

}  // namespace metrics
