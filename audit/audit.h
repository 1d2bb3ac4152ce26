#pragma once
// `kguard audit`: where a running cluster is unsafe today and what Pod Security level each namespace can
// enforce tomorrow. Every finding is a findings::Finding from an existing evaluator (Pod Security,
// kguard rules, the NetworkPolicy evaluator, RBAC escalation paths) or from the audit's own cluster-wide
// checks (audit/*_checks.cpp), joined across them: a pod's RBAC is its service account's, a privileged
// pod others can reach ranks above an isolated one.
#include <optional>
#include <string>
#include <vector>

#include "audit/cluster_view.h"
#include "config/kguard_config.h"
#include "findings/finding.h"
#include "images/verification_cache.h"
#include "rbac/audit.h"

namespace audit {

struct AuditOptions {
  config::KguardConfig config;  // allowed registries and storage classes, sandboxed runtimes, exemptions
  // rules.imageSignatures is checked with this verifier (the webhook's and `lint --verify-images`'s),
  // against the configured registries; null: not checked.
  images::VerificationCache* imageVerifier = nullptr;
};

// One finding and the object it was read from (for SARIF locations); manifest is npos when the
// finding is about an object that was not read (a subject of RBAC bindings).
struct Result {
  static constexpr size_t npos = static_cast<size_t>(-1);
  size_t manifest = npos;
  findings::Finding finding;
};

// A pod (or pod template) that a Pod Security level refuses, and upstream's reason.
struct Refusal {
  std::string kind, name;
  std::string reason;  // `violates PodSecurity "baseline:latest": host namespaces (hostPID=true)`
};

// The Pod Security adoption path of one namespace.
struct Adoption {
  std::string enforce, audit, warn;  // as evaluated: "baseline:v1.30"; labels absent read as privileged:latest
  // Pod Security labels upstream refuses (`enforce: Restricted`), each as its field error; the policy
  // above is what admission evaluates instead (an invalid level as restricted, audit/warn privileged).
  std::vector<std::string> labelErrors;
  std::vector<Refusal> violatingEnforce;  // running although its own enforce level refuses them
  std::string highestPassingLevel;        // privileged, baseline or restricted
  std::string version;                    // the version levels were judged at (enforce-version label or latest)
  std::optional<std::string> nextLevel;   // the level above highestPassingLevel, if any
  std::vector<Refusal> refusedAtNextLevel;
};

struct NamespaceReport {
  std::string name;
  kube::StringMap labels;
  Adoption adoption;
  size_t pods = 0, workloads = 0;
  bool defaultDenyIngress = false, defaultDenyEgress = false;
  bool hasResourceQuota = false, hasLimitRange = false;
};

// Namespace-to-namespace reachability by the NetworkPolicy evaluator: cell [from][to] counts the pods
// of `to` that some pod of `from` may connect to on some port.
struct Reachability {
  std::vector<std::string> namespaces;  // namespaces with pods, sorted
  std::vector<size_t> pods;             // pods per namespace (a workload whose pods were not listed counts once)
  std::vector<std::vector<size_t>> reachable;
};

struct AuditReport {
  std::vector<NamespaceReport> namespaces;  // by name
  std::vector<Result> results;              // most severe first
  Reachability reachability;
  std::vector<rbac::EscalationFinding> escalations;  // for the graph
  std::vector<std::string> errors;  // objects that could not be judged (exit 2)
  std::vector<std::string> notes;   // what was not listed and why (403s)
};

AuditReport runAudit(const ClusterView& view, const AuditOptions& options);

// Any finding at or above `threshold`.
bool anyAtOrAbove(const AuditReport& report, findings::Severity threshold);

}  // namespace audit
