#include "metrics/prometheus.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace metrics {
namespace {

// Label values are escaped as the exposition format requires (backslash, quote, newline).
std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string formatDouble(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", d);
  return buf;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

size_t threadShard() {
  static std::atomic<size_t> next{0};
  thread_local const size_t shard = next.fetch_add(1) % kShards;
  return shard;
}

CounterVec::CounterVec(std::string name, std::string help, std::vector<std::string> labelNames)
    : name_(std::move(name)), help_(std::move(help)), labelNames_(std::move(labelNames)) {}

void CounterVec::inc(std::initializer_list<std::string_view> labelValues, uint64_t by) {
  auto& shard = shards_[threadShard()];
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.values.find(labelValues);
  if (it == shard.values.end())
    it = shard.values.emplace(std::vector<std::string>(labelValues.begin(), labelValues.end()), 0).first;
  it->second += by;
}

uint64_t CounterVec::value(const std::vector<std::string>& labelValues) const {
  uint64_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.values.find(labelValues);
    if (it != shard.values.end()) total += it->second;
  }
  return total;
}

void CounterVec::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::map<std::vector<std::string>, uint64_t, LabelsLess> merged;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    for (const auto& [labels, value] : shard.values) merged[labels] += value;
  }
  for (const auto& [labels, value] : merged) {
    out += name_ + "{";
    for (size_t i = 0; i < labelNames_.size() && i < labels.size(); ++i)
      out += (i ? "," : "") + labelNames_[i] + "=\"" + escape(labels[i]) + "\"";
    out += "} " + std::to_string(value) + "\n";
  }
}

void Gauge::render(std::string& out) const {
  header(out, name_, help_, "gauge");
  out += name_ + " " + formatDouble(value_.load()) + "\n";
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> upperBounds)
    : name_(std::move(name)), help_(std::move(help)), bounds_(std::move(upperBounds)) {
  if (bounds_.size() > kMaxBounds) throw std::invalid_argument(name_ + ": more than 16 histogram bounds");
}

void Histogram::observe(double seconds) {
  auto& shard = shards_[threadShard()];
  for (size_t i = 0; i < bounds_.size(); ++i)
    if (seconds <= bounds_[i]) {
      shard.buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  shard.count.fetch_add(1, std::memory_order_relaxed);
  shard.sumMicros.fetch_add(static_cast<uint64_t>(std::llround(std::max(0.0, seconds) * 1e6)),
                            std::memory_order_relaxed);
}

uint64_t Histogram::count() const {
  uint64_t total = 0;
  for (const auto& shard : shards_) total += shard.count.load(std::memory_order_relaxed);
  return total;
}

void Histogram::render(std::string& out) const {
  std::vector<uint64_t> buckets(bounds_.size());
  uint64_t count = 0, sumMicros = 0;
  for (const auto& shard : shards_) {
    for (size_t i = 0; i < bounds_.size(); ++i) buckets[i] += shard.buckets[i].load(std::memory_order_relaxed);
    count += shard.count.load(std::memory_order_relaxed);
    sumMicros += shard.sumMicros.load(std::memory_order_relaxed);
  }
  header(out, name_, help_, "histogram");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets[i];
    out += name_ + "_bucket{le=\"" + formatDouble(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name_ + "_bucket{le=\"+Inf\"} " + std::to_string(count) + "\n";
  out += name_ + "_sum " + formatDouble(static_cast<double>(sumMicros) / 1e6) + "\n";
  out += name_ + "_count " + std::to_string(count) + "\n";
}

}  // namespace metrics
