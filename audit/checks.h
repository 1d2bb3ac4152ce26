#pragma once
// The audit's checks, one concern per file; each appends findings to the report. Internal to audit/.
#include <map>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "rbac/evaluator.h"

namespace audit {

struct CheckContext {
  const ClusterView& view;
  const AuditOptions& options;
  AuditReport& report;

  void add(size_t manifest, findings::Finding finding) { report.results.push_back({manifest, std::move(finding)}); }
  // A finding about namespace `name`, located at its Namespace object when one was read (SARIF results
  // need a location to be shown; the JSON report's `source`).
  void addNamespaceFinding(const std::string& name, findings::Finding finding) {
    finding.object = {"Namespace", "", name, ""};
    auto ns = view.namespaces.find(name);
    add(ns != view.namespaces.end() ? ns->second.manifest : Result::npos, std::move(finding));
  }
};

// A finding about a Pod or workload (its kind, namespace, name; container when named).
findings::Finding workloadFinding(const Workload& w, std::string check, std::string level, std::string message,
                                  std::string field, std::string container = "");
// The name of the container a field inside a pod spec points at ("spec.containers[1].image"), or "".
std::string containerAt(const kube::PodSpec& spec, const std::string& field);

// Pod Security (restricted at the latest version, which includes every baseline check), kguard's rules
// with the audit's defaults (limits, tags, digests, read-only root filesystem) plus the configured ones.
void checkPods(CheckContext& ctx);
// Secrets exposed as environment variables, and Secrets mounted into pods whose service account
// neither lists them nor may read them.
void checkSecrets(CheckContext& ctx, const rbac::Evaluator& rbacEvaluator);
// Namespaces without ResourceQuota or LimitRange.
void checkNamespaces(CheckContext& ctx);
// Pods no NetworkPolicy isolates, pods reachable from every other namespace, ipBlock peers that admit
// every address, namespaces without a default deny; fills report.reachability. Returns, per workload
// index, the other namespaces that can reach it (empty when isolated from them).
std::map<size_t, std::vector<std::string>> checkNetwork(CheckContext& ctx);
// Escalation paths of every subject, and on each pod the paths of the service account it runs as.
void checkRbac(CheckContext& ctx, const rbac::Evaluator& rbacEvaluator);
// Pod Security adoption path of each namespace (unlabelled ones at the config's podSecurity.defaults).
void fillAdoption(const ClusterView& view, const config::KguardConfig& config, AuditReport& report);
// The joins that raise severities: a host-isolation finding on a pod other namespaces can reach.
void applySeverityJoins(AuditReport& report, const ClusterView& view,
                        const std::map<size_t, std::vector<std::string>>& reachableFrom);

}  // namespace audit
