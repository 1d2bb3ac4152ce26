#pragma once
// The escalation-path audit: for every subject of every binding, which grants lead to more privilege
// (escalation_paths.h), where (cluster-wide or in one namespace), and through which bindings.
#include <string>
#include <vector>

#include "rbac/escalation_paths.h"
#include "rbac/evaluator.h"

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
};

struct AuditOptions {
  // Bindings labelled kubernetes.io/bootstrapping=rbac-defaults (the API server's own defaults) are
  // left out unless asked for: they are the same in every cluster and reviewed upstream.
  bool includeDefaults = false;
};

// Sorted by severity, then subject, then scope, then id.
std::vector<EscalationFinding> auditEscalationPaths(const Evaluator& evaluator, const AuditOptions& options = {});

// "verbs=[get,list] apiGroups=[\"\"] resources=[secrets] resourceNames=[a]"
std::string describeRule(const PolicyRule& rule);

}  // namespace rbac
