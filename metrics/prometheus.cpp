#include "metrics/prometheus.h"

#include <cmath>
#include <cstdio>

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
  header(out, name_, help_, "counter");
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [labels, value] : values_) {
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
    : name_(std::move(name)), help_(std::move(help)), bounds_(std::move(upperBounds)), buckets_(bounds_.size()) {}

void Histogram::observe(double seconds) {
  for (size_t i = 0; i < bounds_.size(); ++i)
    if (seconds <= bounds_[i]) {
      buckets_[i].fetch_add(1);
      break;
    }
  count_.fetch_add(1);
  sumMicros_.fetch_add(static_cast<uint64_t>(std::llround(std::max(0.0, seconds) * 1e6)));
}

void Histogram::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load();
    out += name_ + "_bucket{le=\"" + formatDouble(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name_ + "_bucket{le=\"+Inf\"} " + std::to_string(count_.load()) + "\n";
  out += name_ + "_sum " + formatDouble(static_cast<double>(sumMicros_.load()) / 1e6) + "\n";
  out += name_ + "_count " + std::to_string(count_.load()) + "\n";
}

}  // namespace metrics
