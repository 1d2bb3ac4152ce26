#pragma once
// The Pod Security policy of a namespace from its pod-security.kubernetes.io labels, exactly as
// upstream's api.PolicyToEvaluate: labels override the configured defaults; an invalid enforce level
// reads as restricted (fail closed), an invalid audit or warn level as privileged (fail open), an
// invalid version as latest; warn follows an explicitly stricter enforce level when not set itself.
#include <string>
#include <vector>

#include "kube/object_meta.h"
#include "podsecurity/level_version.h"

namespace podsecurity {

struct NamespacePolicy {
  podsecurity::LevelVersion enforce, audit, warn;

  // All three privileged: upstream skips evaluation entirely.
  bool fullyPrivileged() const;
};

struct PolicyDefaults {
  podsecurity::LevelVersion enforce{podsecurity::Level::Privileged, podsecurity::Version::latest()};
  podsecurity::LevelVersion audit{podsecurity::Level::Privileged, podsecurity::Version::latest()};
  podsecurity::LevelVersion warn{podsecurity::Level::Privileged, podsecurity::Version::latest()};
};

// One invalid label, as the API server's field.Error: field, the bad value, and why.
struct FieldError {
  std::string field;   // metadata.labels[pod-security.kubernetes.io/enforce]
  std::string value;   // foo
  std::string detail;  // must be one of privileged, baseline, restricted

  // `Invalid value: "foo": must be one of ...` (a status cause's message)
  std::string message() const { return "Invalid value: \"" + value + "\": " + detail; }
  // `metadata.labels[...]: Invalid value: "foo": must be one of ...`
  std::string toString() const { return field + ": " + message(); }
};

struct PolicyFromLabels {
  NamespacePolicy policy;
  std::vector<FieldError> errors;

  // Upstream's aggregate error text: the single error, or "[e1, e2]".
  std::string errorText() const;
};

PolicyFromLabels policyToEvaluate(const kube::StringMap& labels, const PolicyDefaults& defaults);

// Two level+versions that evaluate identically (privileged is privileged at every version).
bool equivalent(const podsecurity::LevelVersion& a, const podsecurity::LevelVersion& b);

}  // namespace podsecurity
