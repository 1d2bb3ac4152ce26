#include "rbac/user_info.h"

#include <algorithm>

namespace rbac {
namespace {

bool isAlnumLower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// RFC 1123 label: what ValidateNamespaceName accepts.
bool isDnsLabel(const std::string& s) {
  if (s.empty() || s.size() > 63 || !isAlnumLower(s.front()) || !isAlnumLower(s.back())) return false;
  for (char c : s)
    if (!isAlnumLower(c) && c != '-') return false;
  return true;
}

// RFC 1123 subdomain: what ValidateServiceAccountName accepts.
bool isDnsSubdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string label = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || !isAlnumLower(label.front()) || !isAlnumLower(label.back())) return false;
    for (char c : label)
      if (!isAlnumLower(c) && c != '-') return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

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
  if (!isDnsLabel(ns) || !isDnsSubdomain(name)) return std::nullopt;
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
