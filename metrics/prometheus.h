#pragma once
// Prometheus metric primitives rendered in the text exposition format (version 0.0.4): counters with
// labels, gauges and histograms. Thread-safe; each render() appends HELP, TYPE and the samples.
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace metrics {

class CounterVec {
 public:
  CounterVec(std::string name, std::string help, std::vector<std::string> labelNames);
  void inc(const std::vector<std::string>& labelValues, uint64_t by = 1);
  uint64_t value(const std::vector<std::string>& labelValues) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> labelNames_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, uint64_t> values_;
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
  // `upperBounds` ascending, in seconds; +Inf is implied.
  Histogram(std::string name, std::string help, std::vector<double> upperBounds);
  void observe(double seconds);
  uint64_t count() const { return count_.load(); }
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> buckets_;  // non-cumulative; summed when rendered
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sumMicros_{0};
};

}  // namespace metrics
