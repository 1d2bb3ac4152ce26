#pragma once
// What is being asked: authorizer.Attributes of k8s.io/apiserver, reduced to the fields RBAC reads.
#include <string>
#include <vector>

namespace rbac {

// The user being authorized (user.Info): name and groups exactly as the authorizer sees them.
// Build it with user_info.h when the groups should be those a real request would carry.
struct UserInfo {
  std::string name;
  std::vector<std::string> groups;
};

struct Request {
  bool resourceRequest = true;  // false: a non-resource URL request (only verb and path count)
  std::string verb;
  std::string namespace_;       // "" = cluster-wide: only ClusterRoleBindings are consulted
  std::string apiGroup;         // "" = the core group
  std::string resource;
  std::string subresource;
  std::string name;             // "" = no name (create, list, watch, deletecollection)
  std::string path;             // non-resource URL

  static Request resource_(std::string verb, std::string apiGroup, std::string resource, std::string subresource = "",
                           std::string namespace_ = "", std::string name = "") {
    Request r;
    r.verb = std::move(verb);
    r.apiGroup = std::move(apiGroup);
    r.resource = std::move(resource);
    r.subresource = std::move(subresource);
    r.namespace_ = std::move(namespace_);
    r.name = std::move(name);
    return r;
  }
  static Request nonResource(std::string verb, std::string path) {
    Request r;
    r.resourceRequest = false;
    r.verb = std::move(verb);
    r.path = std::move(path);
    return r;
  }

  // `"get" resource "deployments.apps/scale" named "web" in namespace "dev"` (the authorizer's log words)
  std::string describe() const;
};

// impersonate on users, groups (core group), uids or userextras (authentication.k8s.io): the API
// server's impersonation filter (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go) asks these
// with no namespace, so only ClusterRoleBindings grant them. (serviceaccounts are asked in the
// service account's namespace.)
bool isIdentityImpersonation(const Request& request);

}  // namespace rbac
