#pragma once
// What a Pod Security check and a whole policy evaluation say about a pod, with upstream Pod
// Security Admission's check ids and wording ("host namespaces" / "hostNetwork=true").
#include <string>
#include <vector>

namespace podsecurity {

// One check's verdict. A check denies by giving a reason; an empty reason means allowed. (Upstream
// can also deny without a reason and then prints "unknown forbidden reason"; here that state cannot
// be expressed, so every denial explains itself.)
struct CheckResult {
  std::string id;               // upstream check id, e.g. "hostNamespaces"; set by the evaluator
  std::string forbiddenReason;  // short, always shown: "host namespaces"
  std::string forbiddenDetail;  // specifics, may be empty: "hostNetwork=true, hostPID=true"

  bool allowed() const { return forbiddenReason.empty(); }
};

struct PolicyResult {
  bool allowed = true;
  std::vector<CheckResult> failures;  // in upstream's order: baseline ids sorted, then restricted ids sorted
};

}  // namespace podsecurity
