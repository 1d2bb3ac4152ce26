#pragma once
// RESOURCE[.GROUP][/SUBRESOURCE] as `kubectl auth can-i` reads it: the group after the first dot
// (schema.ParseGroupResource), and a bare name ("deployments", "deploy", "pod") resolved the way
// kubectl's discovery-backed REST mapper would, from a built-in table of the Kubernetes 1.20 API.
#include <string>

namespace rbac {

struct ResourceArg {
  std::string apiGroup;
  std::string resource;
  std::string subresource;
  bool known = true;  // false: not in the built-in table and no group given (used as written, core group)
  bool namespaced = true;  // from the built-in table; unknown resources count as namespaced
  bool builtIn = false;    // found in the built-in table
};

ResourceArg parseResourceArg(const std::string& arg);

// True when the built-in `resource` (plural, as parseResourceArg resolves it) serves `subresource`.
bool servesSubresource(const std::string& resource, const std::string& subresource);

}  // namespace rbac
