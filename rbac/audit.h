#pragma once
// The escalation-path audit: for every subject of every binding, which grants lead to more privilege
// (escalation_paths.h), where (cluster-wide or in one namespace), and through which bindings.
#include <optional>
#include <string>
#include <vector>

#include "findings/finding.h"
#include "rbac/escalation_paths.h"
#include "rbac/evaluator.h"
#include "rbac/kubernetes_version.h"

namespace rbac {

// One step of the binding chain: the binding, the role it refers to and the rule that allows.
struct ChainLink {
  std::string binding;     // "RoleBinding dev/ci"
  std::string role;        // "ClusterRole edit"
  std::size_t rule = 0;    // index in the role's rules
  std::string ruleText;    // "verbs=[create] apiGroups=[\"\"] resources=[pods]"
  std::string source;      // where the binding was read ("file: document 3")
  std::string file;        // the binding's file and line, for SARIF
  int line = 0;
};

struct EscalationFinding {
  std::string id;          // "rbac.escalation.podExec"
  Severity severity = Severity::Low;
  Subject subject;         // service-account namespace resolved
  std::string scope;       // "" = cluster-wide, else the namespace
  std::string title;       // short: "exec or attach into pods"
  std::string path;        // the path in words, subject and scope included
  std::vector<std::string> grants;  // the requests allowed ("get pods/exec"), with name limits if any
  std::vector<ChainLink> chain;
  // One hop further: a grant that lets the subject act as the service accounts of its scope (run or
  // exec into pods, read their token secrets, mint tokens) leads to what those service accounts hold.
  // Each entry: "ServiceAccount ci/deployer: critical read secrets (cluster-wide)". The severity is
  // raised to the highest one reached.
  std::vector<std::string> leadsTo;
  // When every grant is limited by resourceNames: the identities those names let the subject act as
  // (a token for serviceaccounts/token NAME, impersonation of the named service accounts, users and
  // groups; a ServiceAccount without namespace = that name in every namespace). Empty when the names
  // are objects kguard cannot map to an identity offline (secrets, pods, workloads); nullopt when the
  // grant is not limited, so it reaches every service account of its scope.
  std::optional<std::vector<Subject>> reachesOnly;
  // The Kubernetes version the finding's truth depends on ("1.35"), empty when it holds for all.
  std::string assumesVersion;

  // As the findings core's Finding (check id, level "rbac", the path as message, this severity), about the
  // subject (its kind, namespace and name), for reports that join RBAC with other checks (kguard audit).
  findings::Finding toFinding() const;
};

struct AuditOptions {
  // The API server's own bindings (labelled kubernetes.io/bootstrapping=rbac-defaults and named as a
  // bootstrap binding, builtin_roles.h) are left out unless asked for: they are the same in every
  // cluster and reviewed upstream.
  bool includeDefaults = false;
  // The Kubernetes minor version whose API server behaviour the paths assume (pods/exec: see
  // escalation_paths.h).
  int kubernetesMinor = kNewestKubernetesMinor;
};

// Sorted by severity, then subject, then scope, then id.
std::vector<EscalationFinding> auditEscalationPaths(const Evaluator& evaluator, const AuditOptions& options = {});

// "verbs=[get,list] apiGroups=[\"\"] resources=[secrets] resourceNames=[a]"
std::string describeRule(const PolicyRule& rule);

}  // namespace rbac
