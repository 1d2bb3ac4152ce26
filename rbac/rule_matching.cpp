#include "rbac/rule_matching.h"

#include <algorithm>

namespace rbac {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  for (const auto& s : list)
    if (s == value) return true;
  return false;
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// r == resource + "/" + subresource (or r == resource without a subresource), without building the
// combined string on the hot path.
bool equalsCombined(const std::string& r, const std::string& resource, const std::string& subresource) {
  if (subresource.empty()) return r == resource;
  return r.size() == resource.size() + 1 + subresource.size() && r.compare(0, resource.size(), resource) == 0 &&
         r[resource.size()] == '/' && r.compare(resource.size() + 1, std::string::npos, subresource) == 0;
}

bool isStarSlash(const std::string& r, const std::string& subresource) {
  return !subresource.empty() && r.size() == subresource.size() + 2 && startsWith(r, "*/") &&
         r.compare(2, std::string::npos, subresource) == 0;
}

bool resourcePartsMatch(const PolicyRule& rule, const std::string& resource, const std::string& subresource) {
  for (const auto& r : rule.resources)
    if (r == "*" || equalsCombined(r, resource, subresource) || isStarSlash(r, subresource)) return true;
  return false;
}

}  // namespace

bool verbMatches(const PolicyRule& rule, const std::string& verb) {
  for (const auto& v : rule.verbs)
    if (v == "*" || v == verb) return true;
  return false;
}

bool apiGroupMatches(const PolicyRule& rule, const std::string& group) {
  for (const auto& g : rule.apiGroups)
    if (g == "*" || g == group) return true;
  return false;
}

bool resourceMatches(const PolicyRule& rule, const std::string& combinedResource, const std::string& subresource) {
  for (const auto& r : rule.resources) {
    if (r == "*" || r == combinedResource) return true;
    // "*/scale": exactly "*/" followed by the requested subresource (upstream compares the length and
    // checks prefix and suffix, which amounts to the same).
    if (isStarSlash(r, subresource)) return true;
  }
  return false;
}

bool resourceNameMatches(const PolicyRule& rule, const std::string& name) {
  return rule.resourceNames.empty() || contains(rule.resourceNames, name);
}

bool nonResourceURLMatches(const PolicyRule& rule, const std::string& path) {
  for (const auto& u : rule.nonResourceURLs) {
    if (u == "*" || u == path) return true;
    if (!u.empty() && u.back() == '*') {
      // strings.TrimRight(ruleURL, "*") strips every trailing star, not just one.
      size_t end = u.find_last_not_of('*');
      std::string prefix = end == std::string::npos ? "" : u.substr(0, end + 1);
      if (startsWith(path, prefix)) return true;
    }
  }
  return false;
}

bool ruleAllows(const PolicyRule& rule, const Request& request) {
  if (!request.resourceRequest) return verbMatches(rule, request.verb) && nonResourceURLMatches(rule, request.path);
  if (!verbMatches(rule, request.verb) || !apiGroupMatches(rule, request.apiGroup)) return false;
  // Upstream joins resource and subresource with "/" and calls ResourceMatches; resourcePartsMatch is
  // the same comparison without the allocation.
  return resourcePartsMatch(rule, request.resource, request.subresource) && resourceNameMatches(rule, request.name);
}

bool grantsEverything(const Role& role) {
  Request any = Request::resource_("<any-verb>", "<any-group>", "<any-resource>");
  return std::any_of(role.rules.begin(), role.rules.end(), [&](const PolicyRule& rule) { return ruleAllows(rule, any); });
}

}  // namespace rbac
