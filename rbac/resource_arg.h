#pragma once
// RESOURCE[.VERSION.GROUP | .GROUP][/SUBRESOURCE] as `kubectl auth can-i` reads it (schema.ParseResourceArg:
// RESOURCE.VERSION.GROUP when there are two dots and it names a built-in resource, else the group after the
// first dot), and a bare name ("deployments", "deploy", "pod") resolved the way
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
  // Set where kubectl warns that the server has no such resource type (its group has no dot and is no
  // built-in group, e.g. pods.v1): the request is then kubectl's, the argument as a core-group resource.
  std::string warning;
};

ResourceArg parseResourceArg(const std::string& arg);

// True when the built-in `resource` (plural, as parseResourceArg resolves it) serves `subresource`.
bool servesSubresource(const std::string& resource, const std::string& subresource);

}  // namespace rbac
