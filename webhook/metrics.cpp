#include "webhook/metrics.h"

namespace webhook {

std::string Metrics::render() const {
  std::string out;
  evaluations.render(out);
  exemptions.render(out);
  errors.render(out);
  kguardRuleViolations.render(out);
  requests.render(out);
  connectionsShed.render(out);
  openConnections.render(out);
  connectionLimit.render(out);
  latency.render(out);
  imageVerification.render(out);
  return out;
}

}  // namespace webhook
