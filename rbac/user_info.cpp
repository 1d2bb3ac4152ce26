#include "rbac/user_info.h"

#include <algorithm>

#include "kube/dns_names.h"

namespace rbac {

std::string serviceAccountUsername(const std::string& namespace_, const std::string& name) {
  return kServiceAccountUserPrefix + namespace_ + ":" + name;
}

std::optional<std::pair<std::string, std::string>> splitServiceAccountUsername(const std::string& username) {
  // serviceaccount.SplitUsername: the rest after the prefix is "NS:NAME" with exactly two parts, NS a
  // valid namespace name and NAME a valid service-account name.
  const std::string prefix = kServiceAccountUserPrefix;
  if (username.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::string rest = username.substr(prefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string::npos || rest.find(':', colon + 1) != std::string::npos) return std::nullopt;
  std::string ns = rest.substr(0, colon), name = rest.substr(colon + 1);
  if (!kube::isDns1123Label(ns) || !kube::isDns1123Subdomain(name)) return std::nullopt;
  return std::make_pair(ns, name);
}

std::vector<std::string> serviceAccountGroups(const std::string& namespace_) {
  return {kServiceAccountsGroup, std::string(kServiceAccountsGroup) + ":" + namespace_};
}

UserInfo impersonatedUser(const std::string& name, const std::vector<std::string>& asGroups) {
  UserInfo user{name, asGroups};
  auto has = [&user](const char* g) { return std::find(user.groups.begin(), user.groups.end(), g) != user.groups.end(); };
  if (asGroups.empty()) {
    if (auto sa = splitServiceAccountUsername(name)) user.groups = serviceAccountGroups(sa->first);
  }
  if (name != kAnonymousUser) {
    if (!has(kAuthenticatedGroup) && !has(kUnauthenticatedGroup)) user.groups.push_back(kAuthenticatedGroup);
  } else if (!has(kUnauthenticatedGroup)) {
    user.groups.push_back(kUnauthenticatedGroup);
  }
  return user;
}

}  // namespace rbac
