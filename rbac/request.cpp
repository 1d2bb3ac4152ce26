#include "rbac/request.h"

namespace rbac {

std::string Request::describe() const {
  // The wording of the RBAC authorizer's denial log line (rbac.go, Authorize).
  std::string out = "\"" + verb + "\" ";
  if (!resourceRequest) return out + "nonResourceURL \"" + path + "\"";
  out += "resource \"" + resource + (apiGroup.empty() ? "" : "." + apiGroup) + (subresource.empty() ? "" : "/" + subresource) + "\"";
  if (!name.empty()) out += " named \"" + name + "\"";
  out += namespace_.empty() ? " cluster-wide" : " in namespace \"" + namespace_ + "\"";
  return out;
}

bool isIdentityImpersonation(const Request& r) {
  if (!r.resourceRequest || r.verb != "impersonate") return false;
  // userextras carry the extra's key as subresource; the others have none.
  if (r.apiGroup == "authentication.k8s.io" && r.resource == "userextras") return true;
  if (!r.subresource.empty()) return false;
  if (r.apiGroup.empty()) return r.resource == "users" || r.resource == "groups";
  return r.apiGroup == "authentication.k8s.io" && r.resource == "uids";
}

}  // namespace rbac
