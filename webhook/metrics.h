#pragma once
// Prometheus metrics of the webhook, rendered as text exposition format on /metrics. Names and labels
// mirror upstream Pod Security Admission (pod_security_evaluations_total, ..._exemptions_total,
// ..._errors_total) so existing dashboards keep working; plus a request-latency histogram.
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace webhook {

// Counters and histograms are sharded per thread (a thread always updates the same shard), so that the
// event loops on different cores never write to the same cache line; reads merge the shards.
constexpr size_t kMetricShards = 8;
size_t metricShard();

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
  std::array<Shard, kMetricShards> shards_;
};

class Histogram {
 public:
  static constexpr size_t kBuckets = 12;
  Histogram(std::string name, std::string help);
  void observe(double seconds);
  uint64_t count() const;
  void render(std::string& out) const;

 private:
  // Per shard, observations per bucket (not cumulative: one increment per observation) beyond the
  // last bound included in `count`.
  struct alignas(64) Shard {
    std::array<std::atomic<uint64_t>, kBuckets> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sumMicros{0};
  };
  std::string name_, help_;
  static const std::array<double, kBuckets> kBounds;
  std::array<Shard, kMetricShards> shards_;
};

struct Metrics {
  CounterVec evaluations{"pod_security_evaluations_total",
                         "Number of policy evaluations that occurred, not counting ignored or exempt requests.",
                         {"decision", "policy_level", "policy_version", "mode", "request_operation", "resource",
                          "subresource"}};
  CounterVec exemptions{"pod_security_exemptions_total", "Number of exempt requests, not counting ignored or out of scope requests.",
                        {"request_operation", "resource", "subresource"}};
  CounterVec errors{"pod_security_errors_total", "Number of errors preventing normal evaluation. Non-fatal errors may result in the latest restricted profile being used for evaluation.",
                    {"fatal", "request_operation", "resource", "subresource"}};
  CounterVec kguardRuleViolations{"kguard_rule_violations_total", "Violations of kguard's own rules and RBAC guardrails.",
                                  {"rule", "mode"}};
  CounterVec requests{"kguard_webhook_requests_total", "HTTP requests to the webhook by path and status code.",
                      {"path", "code"}};
  Histogram latency{"kguard_webhook_request_duration_seconds", "Time to answer an admission request."};

  std::string render() const;
};

}  // namespace webhook
