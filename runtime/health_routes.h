#pragma once
// The health and metrics routes of kguard's daemons, one definition whatever carries them: the webhook
// serves them on its HTTPS port (webhook/server.h), the NetworkPolicy agent on a plain-HTTP port of their
// own (runtime/health_endpoint.h, --metrics-bind-address).
//   GET /healthz  200 "ok": the process serves
//   GET /readyz   200 "ok", or 503 and why not (only for a daemon that says when it is ready)
//   GET /metrics  200, Prometheus text exposition format
#include <functional>
#include <optional>
#include <string>

namespace runtime {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

struct HealthAnswer {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};

struct HealthRoutes {
  std::function<std::string()> renderMetrics;  // Prometheus text
  // Empty when ready, else why not ("shutting down"). Unset: the daemon serves no /readyz.
  std::function<std::string()> notReadyReason;

  // The answer for a GET of `path`, or nullopt when `path` is none of these routes.
  std::optional<HealthAnswer> answer(const std::string& path) const;
};

}  // namespace runtime
