#include "webhook/metrics.h"

#include <cmath>
#include <cstdio>

namespace webhook {
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

}  // namespace

CounterVec::CounterVec(std::string name, std::string help, std::vector<std::string> labelNames)
    : name_(std::move(name)), help_(std::move(help)), labelNames_(std::move(labelNames)) {}

void CounterVec::inc(const std::vector<std::string>& labelValues, uint64_t by) {
  std::lock_guard<std::mutex> lock(mutex_);
  values_[labelValues] += by;
}

uint64_t CounterVec::value(const std::vector<std::string>& labelValues) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = values_.find(labelValues);
  return it == values_.end() ? 0 : it->second;
}

void CounterVec::render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " counter\n";
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [labels, value] : values_) {
    out += name_ + "{";
    for (size_t i = 0; i < labelNames_.size() && i < labels.size(); ++i)
      out += (i ? "," : "") + labelNames_[i] + "=\"" + escape(labels[i]) + "\"";
    out += "} " + std::to_string(value) + "\n";
  }
}

const std::array<double, Histogram::kBuckets> Histogram::kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                    0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

Histogram::Histogram(std::string name, std::string help) : name_(std::move(name)), help_(std::move(help)) {}

void Histogram::observe(double seconds) {
  for (size_t i = 0; i < kBuckets; ++i)
    if (seconds <= kBounds[i]) buckets_[i].fetch_add(1);
  count_.fetch_add(1);
  sumMicros_.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e6)));
}

void Histogram::render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n";
  for (size_t i = 0; i < kBuckets; ++i)
    out += name_ + "_bucket{le=\"" + formatDouble(kBounds[i]) + "\"} " + std::to_string(buckets_[i].load()) + "\n";
  out += name_ + "_bucket{le=\"+Inf\"} " + std::to_string(count_.load()) + "\n";
  out += name_ + "_sum " + formatDouble(static_cast<double>(sumMicros_.load()) / 1e6) + "\n";
  out += name_ + "_count " + std::to_string(count_.load()) + "\n";
}

std::string Metrics::render() const {
  std::string out;
  evaluations.render(out);
  exemptions.render(out);
  errors.render(out);
  kguardRuleViolations.render(out);
  requests.render(out);
  latency.render(out);
  return out;
}

}  // namespace webhook
