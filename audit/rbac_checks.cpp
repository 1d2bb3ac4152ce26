// RBAC: the escalation paths of every subject (rbac/audit.h, the authorizer offline), and the join no
// single-purpose tool makes: each pod carries the paths of the service account it runs as.
#include <algorithm>

#include "audit/checks.h"
#include "rbac/user_info.h"

namespace audit {
namespace {

// The subject of a binding applies to every pod that runs as service account ns/name.
bool appliesToServiceAccount(const rbac::Subject& s, const std::string& ns, const std::string& name) {
  if (s.kind == "ServiceAccount") return s.namespace_ == ns && s.name == name;
  if (s.kind == "User") return s.name == rbac::serviceAccountUsername(ns, name);
  if (s.kind == "Group") {
    auto groups = rbac::serviceAccountGroups(ns);
    return s.name == rbac::kAuthenticatedGroup || std::find(groups.begin(), groups.end(), s.name) != groups.end();
  }
  return false;
}

std::string scopeWords(const std::string& scope) { return scope.empty() ? "cluster-wide" : "in namespace " + scope; }

}  // namespace

void checkRbac(CheckContext& ctx, const rbac::Evaluator& rbacEvaluator) {
  ctx.report.escalations = rbac::auditEscalationPaths(rbacEvaluator);
  for (const auto& e : ctx.report.escalations) {
    const std::string ns = e.subject.namespace_.empty() ? e.scope : e.subject.namespace_;
    if (!ctx.view.namespaceFilter.empty() && !ctx.view.inScope(ns)) continue;
    findings::Finding f;
    f.check = e.id;
    f.level = "rbac";
    f.message = e.path;
    if (!e.leadsTo.empty()) {
      f.message += "; leads to";
      for (const auto& l : e.leadsTo) f.message += " " + l + ";";
      f.message.pop_back();
    }
    f.severity = e.severity;
    f.severityReason = std::string(rbac::severityName(e.severity)) + ": the severity of this path when granted " +
                       scopeWords(e.scope) + (e.leadsTo.empty() ? "" : ", or of what it leads to") +
                       (e.reachesOnly ? " (lowered one step: limited to named objects)" : "");
    f.object = {e.subject.kind, e.subject.namespace_, e.subject.name, ""};
    ctx.add(Result::npos, std::move(f));
  }
  // One finding per pod: its service account's paths, most severe first, in words.
  for (const auto& w : ctx.view.workloads) {
    if (!ctx.view.inScope(w.namespace_)) continue;
    const std::string sa = w.serviceAccount();
    std::vector<const rbac::EscalationFinding*> paths;
    for (const auto& e : ctx.report.escalations)
      if (appliesToServiceAccount(e.subject, w.namespace_, sa)) paths.push_back(&e);
    if (paths.empty()) continue;
    std::stable_sort(paths.begin(), paths.end(), [](auto* a, auto* b) { return a->severity < b->severity; });
    std::string message = "runs as ServiceAccount " + w.namespace_ + "/" + sa + ", which can escalate:";
    for (const auto* e : paths)
      message += std::string(" ") + rbac::severityName(e->severity) + ": " + e->title + " " + scopeWords(e->scope) +
                 " (via " + e->subject.describe() + ");";
    message.pop_back();
    message += ". " + paths.front()->path;
    auto f = workloadFinding(w, "audit.serviceAccountEscalation", "rbac", message, w.templatePath + (w.templatePath.empty() ? "" : ".") + "spec.serviceAccountName");
    f.severity = paths.front()->severity;
    f.severityReason = std::string(rbac::severityName(paths.front()->severity)) + ": the most severe escalation path of its service account (" +
                       paths.front()->id + ")";
    if (w.pod.spec.automountServiceAccountToken == false && f.severity != findings::Severity::Info) {
      f.severity = static_cast<findings::Severity>(static_cast<int>(*f.severity) + 1);
      f.severityReason += "; lowered one step: the pod does not mount its service-account token";
    }
    ctx.add(w.manifest, std::move(f));
  }
}

}  // namespace audit
