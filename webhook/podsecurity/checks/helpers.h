#pragma once
// Shared vocabulary of the check functions, mirroring upstream policy/helpers.go so that every
// message is worded exactly like Pod Security Admission's.
#include <cassert>
#include <set>
#include <string>
#include <vector>

#include "kube/pod.h"
#include "webhook/podsecurity/check_result.h"

namespace podsecurity::checks {

inline CheckResult allow() { return {}; }

inline CheckResult deny(std::string reason, std::string detail) {
  assert(!reason.empty() && "a denial needs a reason");
  return CheckResult{"", std::move(reason), std::move(detail)};
}

// `"a", "b"` (upstream joinQuote; items are not escaped). Empty input gives "".
std::string joinQuote(const std::vector<std::string>& items);
std::string joinQuote(const std::set<std::string>& items);

// upstream pluralize: the singular only for exactly one.
inline const char* pluralize(const char* singular, const char* plural, size_t count) {
  return count == 1 ? singular : plural;
}

// `container "a"` / `containers "a", "b"`: the subject of most container messages.
std::string containersPhrase(const std::vector<std::string>& names);

// Go's %q of a string: double-quoted with Go escapes, as upstream prints annotation values.
std::string goQuote(const std::string& text);

std::string join(const std::vector<std::string>& items, const char* separator);

// spec.os.name == "windows": Windows pods are exempt from Linux-only restricted controls (v1.25+).
inline bool isWindowsPod(const kube::PodSpec& spec) { return spec.osName && *spec.osName == "windows"; }

// hostUsers: false puts the pod in a user namespace, which relaxes some controls (v1.35+, KEP-127);
// upstream relaxPolicyForUserNamespacePod.
inline bool inUserNamespace(const kube::PodSpec& spec) { return spec.hostUsers && !*spec.hostUsers; }

}  // namespace podsecurity::checks
