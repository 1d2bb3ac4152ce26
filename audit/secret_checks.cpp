// Data protection of Secrets: values read into environment variables, and Secrets mounted into pods
// whose service account needn't see them.
#include "audit/checks.h"
#include "rbac/user_info.h"

namespace audit {
namespace {

// env[].valueFrom.secretKeyRef and envFrom[].secretRef of every container: the value ends up in the
// process environment, which child processes inherit, crash dumps and /proc/PID/environ show, and
// which `kubectl describe`-level access does not protect as a Secret volume would.
void secretInEnv(CheckContext& ctx, const Workload& w, const SecretReference& ref) {
  std::string message = ref.via == SecretReference::Via::EnvVar
                            ? "container \"" + ref.container + "\" reads Secret \"" + ref.secret +
                                  "\" into environment variable " + (ref.envName.empty() ? "?" : ref.envName) +
                                  "; mount it as a volume instead"
                            : "container \"" + ref.container + "\" reads every key of Secret \"" + ref.secret +
                                  "\" into its environment (envFrom); mount it as a volume instead";
  ctx.add(w.manifest, workloadFinding(w, "audit.secretInEnv", "audit", std::move(message), ref.field, ref.container));
}

// A mounted Secret the pod's service account needn't see: the ServiceAccount does not list it among
// the Secrets its pods may use (`secrets`, what the ServiceAccount admission plugin enforces under
// kubernetes.io/enforce-mountable-secrets), and RBAC does not let the account read it either (`get
// secrets NAME` in the namespace, as the API server's authorizer decides). Whoever gets into the pod
// then holds a Secret its identity was never granted. A Secret the account may read anyway is no
// finding: the mount exposes nothing its token does not.
void secretBeyondServiceAccount(CheckContext& ctx, const Workload& w, const SecretReference& ref,
                                const rbac::Evaluator& rbacEvaluator) {
  const std::string sa = w.serviceAccount();
  const std::string account = w.namespace_ + "/" + sa;
  auto known = ctx.view.serviceAccounts.find(account);
  const ServiceAccountInfo none;
  const ServiceAccountInfo& info = known != ctx.view.serviceAccounts.end() ? known->second : none;
  if (info.secrets.count(ref.secret)) return;
  auto user = rbac::impersonatedUser(rbac::serviceAccountUsername(w.namespace_, sa), {});
  if (rbacEvaluator.allows(user, rbac::Request::resource_("get", "", "secrets", "", w.namespace_, ref.secret))) return;
  std::string message = "mounts Secret \"" + ref.secret + "\"" +
                        (ref.via == SecretReference::Via::ProjectedVolume ? " (projected volume)" : "") +
                        ", which ServiceAccount " + account + " neither lists in its secrets nor may read (get secrets)";
  auto f = workloadFinding(w, "audit.secretBeyondServiceAccount", "audit", message, ref.field);
  if (info.enforceMountableSecrets) {
    f.severity = findings::Severity::High;
    f.severityReason = "high: ServiceAccount " + account +
                       " enforces mountable secrets (kubernetes.io/enforce-mountable-secrets), so admission refuses " +
                       (w.isPod() ? "this pod now: it predates the annotation" : "the pods of this template now");
    f.message += "; the ServiceAccount enforces mountable secrets";
  } else if (known == ctx.view.serviceAccounts.end()) {
    f.message += " (the ServiceAccount was not listed)";
  }
  ctx.add(w.manifest, std::move(f));
}

}  // namespace

void checkSecrets(CheckContext& ctx, const rbac::Evaluator& rbacEvaluator) {
  for (const auto& w : ctx.view.workloads) {
    if (!ctx.view.inScope(w.namespace_)) continue;
    for (const auto& ref : w.secrets) {
      if (ref.mounted())
        secretBeyondServiceAccount(ctx, w, ref, rbacEvaluator);
      else
        secretInEnv(ctx, w, ref);
    }
  }
}

}  // namespace audit
