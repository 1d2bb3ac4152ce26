// RBAC decode -> evaluate -> audit and who-can reports (kguard rbac audit / can-i / who-can -f FILE).
#include <cstdint>
#include <string>

#include "kube/manifest.h"
#include "rbac/audit.h"
#include "rbac/audit_report.h"
#include "rbac/evaluator.h"
#include "rbac/policy_decode.h"
#include "rbac/user_info.h"
#include "rbac/who_can_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto manifests = kube::parseManifests(text, "fuzz.yaml");
    for (auto mode : {rbac::AggregationMode::Stored, rbac::AggregationMode::Recomputed}) {
      rbac::EvaluatorOptions options;
      options.aggregation = mode;
      rbac::Evaluator evaluator(rbac::decodePolicy(manifests), options);
      auto findings = rbac::auditEscalationPaths(evaluator);
      rbac::formatAuditText(findings);
      rbac::formatAuditJson(findings);
      rbac::formatAuditSarif(findings);
      auto request = rbac::Request::resource_("get", "", "secrets", "", "default", "");
      evaluator.allows(rbac::impersonatedUser("system:serviceaccount:default:x", {}), request);
      evaluator.decide(rbac::impersonatedUser("alice", {"dev"}), request);
      auto entries = evaluator.whoCan(request);
      rbac::formatWhoCanText(evaluator, request, entries);
      rbac::formatWhoCanJson(evaluator, request, entries);
    }
  } catch (const kube::InputError&) {
  }
  return 0;
}
