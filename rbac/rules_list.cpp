#include "rbac/rules_list.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

namespace rbac {
namespace {

// Go's fmt %v of a []string: [a b c].
std::string goList(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? " " : "") + values[i];
  return out + "]";
}

// The generated PolicyRule.String() (k8s.io/api/rbac/v1/generated.pb.go), kubectl's sort key.
std::string goString(const PolicyRule& r) {
  return "&PolicyRule{Verbs:" + goList(r.verbs) + ",APIGroups:" + goList(r.apiGroups) + ",Resources:" + goList(r.resources) +
         ",ResourceNames:" + goList(r.resourceNames) + ",NonResourceURLs:" + goList(r.nonResourceURLs) + ",}";
}

// The SelfSubjectRulesReview status as kubectl turns it back into rules (convertToPolicyRule): the
// resource part of every rule first, then the non-resource part (RBACAuthorizer.RulesFor splits them).
std::vector<PolicyRule> reviewRules(const std::vector<PolicyRule>& rules) {
  std::vector<PolicyRule> out;
  for (const auto& r : rules)
    if (!r.resources.empty()) out.push_back({r.verbs, r.apiGroups, r.resources, r.resourceNames, {}});
  for (const auto& r : rules)
    if (!r.nonResourceURLs.empty()) out.push_back({r.verbs, {}, {}, {}, r.nonResourceURLs});
  return out;
}

// BreakdownRule then CompactRules (kubectl/pkg/util/rbac/rbac.go): after the breakdown every resource
// rule is "simple", so compacting merges the verbs of each (group, resource, name) in first-seen order;
// non-resource rules stay one URL and one verb each.
std::vector<PolicyRule> compacted(const std::vector<PolicyRule>& rules) {
  std::vector<PolicyRule> out;
  using Key = std::tuple<std::string, std::string, bool, std::string>;
  std::map<Key, std::size_t> simple;
  std::vector<PolicyRule> simpleRules;
  for (const auto& rule : rules) {
    for (const auto& group : rule.apiGroups)
      for (const auto& resource : rule.resources)
        for (const auto& verb : rule.verbs) {
          std::vector<std::string> names = rule.resourceNames.empty() ? std::vector<std::string>{""} : rule.resourceNames;
          for (const auto& name : names) {
            Key key{group, resource, !rule.resourceNames.empty(), name};
            auto [it, added] = simple.emplace(key, simpleRules.size());
            if (added) {
              PolicyRule r{{}, {group}, {resource}, {}, {}};
              if (!rule.resourceNames.empty()) r.resourceNames = {name};
              simpleRules.push_back(r);
            }
            auto& verbs = simpleRules[it->second].verbs;
            if (std::find(verbs.begin(), verbs.end(), verb) == verbs.end()) verbs.push_back(verb);
          }
        }
    for (const auto& url : rule.nonResourceURLs)
      for (const auto& verb : rule.verbs) out.push_back({{verb}, {}, {}, {}, {url}});
  }
  out.insert(out.end(), simpleRules.begin(), simpleRules.end());
  return out;
}

// describe.CombineResourceGroup: "deployments.apps/scale".
std::string resourceColumn(const PolicyRule& r) {
  if (r.resources.empty()) return "";
  const std::string& first = r.resources[0];
  size_t slash = first.find('/');
  std::string out = first.substr(0, slash);
  if (!r.apiGroups.empty() && !r.apiGroups[0].empty()) out += "." + r.apiGroups[0];
  if (slash != std::string::npos) out += first.substr(slash);
  return out;
}

// Go's text/tabwriter counts runes, not bytes.
std::size_t runeCount(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string formatRulesList(const std::vector<PolicyRule>& rules, bool headers) {
  std::vector<PolicyRule> rows = compacted(reviewRules(rules));
  std::stable_sort(rows.begin(), rows.end(), [](const PolicyRule& a, const PolicyRule& b) { return goString(a) < goString(b); });
  std::vector<std::vector<std::string>> lines;
  if (headers) lines.push_back({"Resources", "Non-Resource URLs", "Resource Names", "Verbs"});
  for (const auto& r : rows) lines.push_back({resourceColumn(r), goList(r.nonResourceURLs), goList(r.resourceNames), goList(r.verbs)});
  // printers.GetNewTabWriter: minimum width 6, padding 3; the last cell of a line is not padded.
  std::size_t widths[3] = {0, 0, 0};
  for (const auto& line : lines)
    for (int c = 0; c < 3; ++c) widths[c] = std::max(widths[c], runeCount(line[c]) + 3);
  std::ostringstream out;
  for (const auto& line : lines) {
    for (int c = 0; c < 3; ++c) out << line[c] << std::string(std::max<std::size_t>(widths[c], 6) - runeCount(line[c]), ' ');
    out << line[3] << "\n";
  }
  return out.str();
}

}  // namespace rbac
