#pragma once
// The escalation paths the audit looks for, as data: each path is a set of alternatives, each
// alternative a set of requests that must all be allowed. The audit asks the Evaluator about every
// request, so wildcards, apiGroups and subresources count exactly as the API server counts them.
#include <string>
#include <vector>

#include "findings/finding.h"
#include "rbac/policy.h"

namespace rbac {

using findings::Severity;  // critical, high, medium, low (info is never reported here)
using findings::severityName;

// One request of a path, as a real client would make it.
struct Probe {
  std::string verb;
  std::string apiGroup;
  std::string resource;
  std::string subresource;
  bool clusterScoped = false;  // the request carries no namespace (nodes, clusterroles, ...)
  // The real request names an object (get, update, patch, delete, create of a subresource). Unnamed
  // requests (create, list, watch, deletecollection) never match a rule with resourceNames — in
  // RequestInfo the name comes only from the URL path (or a metadata.name field selector).
  bool named = false;
  // Names to ask about besides "any object" (signers: the signer names the CSR approval checks).
  std::vector<std::string> names;
  // The object is the namespace itself (update namespaces/NAME: RequestInfo sets namespace = NAME).
  bool namespaceIsName = false;
  // > 0: the request leads there only on Kubernetes versions before 1.untilMinor.
  int untilMinor = 0;

  std::string describe() const;  // "create pods/exec", "approve signers.certificates.k8s.io"
};

struct EscalationPath {
  std::string id;                // "rbac.escalation.podExec"
  std::string title;             // "exec into pods" (from the check catalog)
  Severity clusterWide;          // severity when granted in every namespace / cluster-wide
  Severity namespaced;           // severity when granted in one namespace
  std::string consequence;       // the path in words: what the grant leads to (the catalog's `protects`)
  std::vector<std::vector<Probe>> alternatives;  // any alternative whose probes are all allowed
  // Why the path depends on the Kubernetes version (probes with untilMinor), empty when it does not.
  std::string versionNote = {};
};

// Every path (tests check the table: unique ids, every path has alternatives).
const std::vector<EscalationPath>& escalationPaths();

// The user-extra keys whose impersonation `rules` may grant: the impersonation filter asks
// `impersonate userextras/KEY` (authentication.k8s.io) for each Impersonate-Extra-KEY header
// (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go), so a rule grants it through userextras/KEY
// or */KEY; "scopes" stands for the rules that grant every key (`*` resources). Sorted, unique.
std::vector<std::string> userExtraKeys(const std::vector<PolicyRule>& rules);

// escalationPaths() with impersonation of user extras asked for every key that `policy`'s rules name
// (userExtraKeys), not only "scopes".
std::vector<EscalationPath> escalationPathsFor(const Policy& policy);

}  // namespace rbac
