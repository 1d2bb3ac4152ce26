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

}  // namespace rbac
