#pragma once
// The Pod Security Standards engine: evaluates a pod (metadata + spec) against a level and policy
// version exactly as upstream Pod Security Admission does, and words the denial the same way.
//
//   const auto& evaluator = podsecurity::defaultEvaluator();
//   auto result = evaluator.evaluate({Level::Restricted, Version::latest()}, pod.metadata, pod.spec);
//   if (!result.allowed) std::cerr << podsecurity::forbiddenMessage(lv, result);
#include <stdexcept>
#include <string>
#include <vector>

#include "kube/object_meta.h"
#include "kube/pod.h"
#include "podsecurity/check.h"
#include "podsecurity/check_result.h"
#include "podsecurity/level_version.h"

namespace podsecurity {

// A check table that breaks a registry rule (duplicate id, unsorted versions, ...).
class InvalidChecks : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class Evaluator {
 public:
  // Validates the table once (throws InvalidChecks) and precomputes the ordered check list for every
  // (level, version), so evaluating a pod is a lookup plus a loop.
  explicit Evaluator(const std::vector<Check>& checks);

  // Privileged allows everything. "latest" and versions newer than the newest known one are
  // evaluated as the newest known one (upstream clamps the same way).
  PolicyResult evaluate(const LevelVersion& policy, const kube::ObjectMeta& metadata,
                        const kube::PodSpec& spec) const;

  // The newest policy version any check defines; what "latest" means.
  Version newestVersion() const { return Version::v1(static_cast<int64_t>(baseline_.size()) - 1); }

 private:
  struct Entry {
    std::string id;
    CheckFunction function;
  };
  const std::vector<Entry>& entriesFor(const LevelVersion& policy) const;

  std::vector<std::vector<Entry>> baseline_;    // index: policy minor version
  std::vector<std::vector<Entry>> restricted_;  // baseline minus overridden checks, plus restricted
};

// The evaluator over every upstream check (checks/default_checks.h), built on first use.
const Evaluator& defaultEvaluator();

// Upstream's denial message, e.g.
//   violates PodSecurity "restricted:v1.30": host namespaces (hostPID=true), privileged (container
//   "x" must not set securityContext.privileged=true)
// Returns an empty string for an allowed result.
std::string forbiddenMessage(const LevelVersion& policy, const PolicyResult& result);

// Upstream's warning for the warn mode (`pod-security.kubernetes.io/warn`): the same text, starting
// "would violate PodSecurity". Empty for an allowed result.
std::string warningMessage(const LevelVersion& policy, const PolicyResult& result);

}  // namespace podsecurity
