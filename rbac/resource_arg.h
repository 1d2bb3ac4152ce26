#pragma once
// RESOURCE[.VERSION.GROUP | .GROUP][/SUBRESOURCE] as `kubectl auth can-i` reads it (schema.ParseResourceArg:
// RESOURCE.VERSION.GROUP when there are two dots and it names a built-in resource, else the group after the
// first dot), and a bare name ("deployments", "deploy", "pod") resolved the way
// kubectl's discovery-backed REST mapper would, from a built-in table of the Kubernetes API: 1.20's
// discovery, with the versions later releases add and remove.
#include <string>

#include "rbac/kubernetes_version.h"

namespace rbac {

struct ResourceArg {
  std::string apiGroup;
  std::string resource;
  std::string subresource;
  bool known = true;  // false: not in the built-in table and no group given (used as written, core group)
  bool namespaced = true;  // from the built-in table; unknown resources count as namespaced
  bool builtIn = false;    // found in the built-in table
  bool served = false;     // built-in and in discovery (not users, groups, uids, userextras)
  // Set where kubectl's REST mapper finds neither RESOURCE.VERSION.GROUP nor RESOURCE.GROUP (pods.v1,
  // deployments.v1beta1.apps, widgets.apps): kubectl's warning, word for word. The request is then
  // kubectl's, the argument as written as a core-group resource; `hint` says so for kguard's users.
  std::string warning;
  std::string hint;
};

// As kubectl against a 1.`kubernetesMinor` API server.
ResourceArg parseResourceArg(const std::string& arg, int kubernetesMinor = kNewestKubernetesMinor);

// True when the built-in `resource` (plural, as parseResourceArg resolves it) serves `subresource`.
bool servesSubresource(const std::string& resource, const std::string& subresource);

}  // namespace rbac
