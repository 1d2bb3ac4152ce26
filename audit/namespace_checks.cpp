// Namespace-level resource limits: without a ResourceQuota one namespace can take the whole cluster's
// capacity; without a LimitRange its containers get no default limits.
#include "audit/checks.h"

namespace audit {

void checkNamespaces(CheckContext& ctx) {
  for (const auto& ns : ctx.report.namespaces) {
    if (!ctx.view.inScope(ns.name)) continue;
    auto add = [&](const char* check, const std::string& message) {
      findings::Finding f;
      f.check = check;
      f.level = "audit";
      f.message = message;
      ctx.addNamespaceFinding(ns.name, std::move(f));
    };
    if (!ns.hasResourceQuota)
      add("audit.namespaceWithoutResourceQuota",
          "no ResourceQuota: the pods of this namespace may use all of the cluster's CPU, memory and storage");
    if (!ns.hasLimitRange)
      add("audit.namespaceWithoutLimitRange",
          "no LimitRange: containers created here without limits get none by default");
  }
}

}  // namespace audit
