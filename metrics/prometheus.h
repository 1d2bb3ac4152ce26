#pragma once
// Prometheus metric primitives rendered in the text exposition format (version 0.0.4): counters with
// labels, gauges and histograms. Counters and histograms are sharded per thread (a thread always
// updates the same shard), so that threads on different cores never write to the same cache line
// (the webhook's event loops count every request); reads merge the shards.
#include <algorithm>
#include <array>
#include <atomic>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace metrics {

constexpr size_t kShards = 8;
size_t threadShard();  // this thread's shard, fixed for its lifetime

class CounterVec {
 public:
  CounterVec(std::string name, std::string help, std::vector<std::string> labelNames);
  // Allocates only for a series not seen before (the webhook counts on every request).
  void inc(std::initializer_list<std::string_view> labelValues, uint64_t by = 1);
  uint64_t value(const std::vector<std::string>& labelValues) const;
  void render(std::string& out) const;

 private:
  // Orders label lists, and finds a list of views without building the strings.
  struct LabelsLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                          [](std::string_view x, std::string_view y) { return x < y; });
    }
  };
  // The shards' order, cheaper than LabelsLess on every increment: shorter values first, the bytes
  // compared only between values of one length, each pair once. render() sorts the merged series by
  // LabelsLess, so this order is never seen.
  struct ShardOrder {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      auto x = a.begin();
      auto y = b.begin();
      for (; x != a.end() && y != b.end(); ++x, ++y) {
        const std::string_view l(*x), r(*y);
        if (l.size() != r.size()) return l.size() < r.size();
        if (int c = l.compare(r)) return c < 0;
      }
      return x == a.end() && y != b.end();
    }
  };
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    std::map<std::vector<std::string>, uint64_t, ShardOrder> values;
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
