#include "runtime/health_routes.h"

namespace runtime {

std::optional<HealthAnswer> HealthRoutes::answer(const std::string& path) const {
  HealthAnswer out;
  if (path == "/healthz") {
    out.body = "ok\n";
  } else if (path == "/readyz" && notReadyReason) {
    const std::string why = notReadyReason();
    out.status = why.empty() ? 200 : 503;
    out.body = (why.empty() ? "ok" : why) + "\n";
  } else if (path == "/metrics" && renderMetrics) {
    out.contentType = kPrometheusContentType;
    out.body = renderMetrics();
  } else {
    return std::nullopt;
  }
  return out;
}

}  // namespace runtime
