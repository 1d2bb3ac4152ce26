#pragma once
// Prometheus metrics of the webhook, rendered as text exposition format on /metrics. Names and labels
// mirror upstream Pod Security Admission (pod_security_evaluations_total, ..._exemptions_total,
// ..._errors_total) so existing dashboards keep working; plus a request-latency histogram.
#include <string>

#include "images/verification_metrics.h"
#include "metrics/prometheus.h"

namespace webhook {

using metrics::CounterVec;
using metrics::Gauge;
using metrics::Histogram;

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
  CounterVec connectionsShed{"kguard_webhook_connections_shed_total",
                             "Client connections closed early at or near the connection limit, by reason: evicted (oldest "
                             "handshaking or idle, to make room at the connection limit), refused (at the limit with "
                             "nothing to evict), handshake_deadline (TLS handshake too slow while near the limit).",
                             {"reason"}};
  Gauge openConnections{"kguard_webhook_open_connections", "Client connections open now."};
  Gauge connectionLimit{"kguard_webhook_connection_limit",
                        "Client connections held at most (--max-connections, lowered to what the descriptor limit allows)."};
  Histogram latency{"kguard_webhook_request_duration_seconds",
                    "Time to answer an admission request.",
                    {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0}};
  images::VerificationMetrics imageVerification;  // rules.imageSignatures

  std::string render() const;
};

}  // namespace webhook
