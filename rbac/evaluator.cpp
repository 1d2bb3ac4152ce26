#include "rbac/evaluator.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "rbac/aggregation.h"
#include "rbac/rule_matching.h"
#include "rbac/user_info.h"

namespace rbac {
namespace {

bool hasGroup(const UserInfo& user, const std::string& group) {
  return std::find(user.groups.begin(), user.groups.end(), group) != user.groups.end();
}

// serviceaccount.MatchesUsername: "system:serviceaccount:" + namespace + ":" + name, compared piecewise.
bool matchesServiceAccountUsername(const std::string& ns, const std::string& name, const std::string& username) {
  const std::string prefix = kServiceAccountUserPrefix;
  return username.size() == prefix.size() + ns.size() + 1 + name.size() && username.compare(0, prefix.size(), prefix) == 0 &&
         username.compare(prefix.size(), ns.size(), ns) == 0 && username[prefix.size() + ns.size()] == ':' &&
         username.compare(prefix.size() + ns.size() + 1, std::string::npos, name) == 0;
}

// describeSubject in rule.go: a service account is written "name/namespace" there.
std::string upstreamSubject(const Subject& s, const std::string& bindingNamespace) {
  if (s.kind == "ServiceAccount")
    return s.kind + " \"" + s.name + "/" + (s.namespace_.empty() ? bindingNamespace : s.namespace_) + "\"";
  return s.kind + " \"" + s.name + "\"";
}

}  // namespace

Evaluator::Evaluator(Policy policy, EvaluatorOptions options)
    : policy_(options.aggregation == AggregationMode::Stored
                  ? std::move(policy)
                  : recomputeAggregation(std::move(policy), options.aggregation == AggregationMode::RecomputedWhenEmpty)) {
  compileRoles();
  index();
}

namespace {

// "verb\0group\0resource[/subresource]": the three fields a simple rule compares for equality.
std::string exactKey(const std::string& verb, const std::string& group, const std::string& resource) {
  std::string key;
  key.reserve(verb.size() + group.size() + resource.size() + 2);
  key.append(verb).push_back('\0');
  key.append(group).push_back('\0');
  key.append(resource);
  return key;
}

// A rule whose matching is plain set membership: no "*" anywhere, no "*/sub" resources, no
// resourceNames, no NUL bytes that could make two keys collide.
bool isSimpleRule(const PolicyRule& rule) {
  if (!rule.resourceNames.empty() || rule.resources.empty()) return false;
  auto plain = [](const std::vector<std::string>& values) {
    for (const auto& v : values)
      if (v == "*" || v.find('\0') != std::string::npos) return false;
    return true;
  };
  if (!plain(rule.verbs) || !plain(rule.apiGroups) || !plain(rule.resources)) return false;
  for (const auto& r : rule.resources)
    if (r.compare(0, 2, "*/") == 0) return false;
  return true;
}

}  // namespace

void Evaluator::compileRoles() {
  compiled_.resize(policy_.roles.size());
  for (std::size_t i = 0; i < policy_.roles.size(); ++i) {
    const auto& rules = policy_.roles[i].rules;
    CompiledRole& c = compiled_[i];
    for (std::size_t r = 0; r < rules.size(); ++r) {
      const PolicyRule& rule = rules[r];
      if (!isSimpleRule(rule)) {
        c.otherRules.push_back(static_cast<std::uint32_t>(r));
        continue;
      }
      for (const auto& verb : rule.verbs)
        for (const auto& group : rule.apiGroups)
          for (const auto& resource : rule.resources) {
            auto id = exactKeyIds_.emplace(exactKey(verb, group, resource), static_cast<std::uint32_t>(exactKeyIds_.size()));
            c.exactKeys.push_back(id.first->second);
          }
    }
    std::sort(c.exactKeys.begin(), c.exactKeys.end());
    c.exactKeys.erase(std::unique(c.exactKeys.begin(), c.exactKeys.end()), c.exactKeys.end());
  }
}

std::int64_t Evaluator::exactKeyOf(const Request& request) const {
  if (!request.resourceRequest || exactKeyIds_.empty()) return -1;
  // One buffer per thread: no allocation per decision once it has grown (the evaluator stays const
  // and shareable between threads).
  thread_local std::string key;
  key.clear();
  key.append(request.verb).push_back('\0');
  key.append(request.apiGroup).push_back('\0');
  key.append(request.resource);
  if (!request.subresource.empty()) key.append("/").append(request.subresource);
  auto it = exactKeyIds_.find(key);
  return it == exactKeyIds_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

bool Evaluator::roleAllows(std::size_t role, const Request& request, std::int64_t key) const {
  const CompiledRole& c = compiled_[role];
  // A simple rule has no resourceNames, so it matches whatever the request's name.
  if (key >= 0 && std::binary_search(c.exactKeys.begin(), c.exactKeys.end(), static_cast<std::uint32_t>(key))) return true;
  const auto& rules = policy_.roles[role].rules;
  for (std::uint32_t r : c.otherRules)
    if (ruleAllows(rules[r], request)) return true;
  return false;
}

void Evaluator::index() {
  // Role lookup as GetRoleReferenceRules: Role by (binding namespace, name), ClusterRole by name.
  // Duplicate names cannot exist in a cluster; in files the first one wins.
  std::map<std::pair<std::string, std::string>, std::int64_t> roles;
  for (std::size_t i = 0; i < policy_.roles.size(); ++i) {
    const Role& r = policy_.roles[i];
    roles.emplace(std::make_pair(r.clusterScoped ? std::string("\x01cluster") : r.namespace_, r.name), static_cast<std::int64_t>(i));
  }
  bindingRole_.assign(policy_.bindings.size(), -1);
  for (std::size_t b = 0; b < policy_.bindings.size(); ++b) {
    const Binding& binding = policy_.bindings[b];
    std::string roleScope;
    if (binding.roleRef.kind == "ClusterRole") {
      roleScope = "\x01cluster";
    } else if (binding.roleRef.kind == "Role" && !binding.clusterScoped && !binding.namespace_.empty()) {
      roleScope = binding.namespace_;  // a ClusterRoleBinding to a Role looks in namespace "": never found
    }
    if (!roleScope.empty()) {
      auto it = roles.find({roleScope, binding.roleRef.name});
      if (it != roles.end()) bindingRole_[b] = it->second;
    }
    // RoleBindings without a namespace are never listed by upstream (ListRoleBindings(ns) needs one).
    if (!binding.clusterScoped && binding.namespace_.empty()) continue;
    std::uint32_t nsId = 0;
    if (binding.clusterScoped) {
      clusterBindings_.push_back(static_cast<std::uint32_t>(b));
    } else {
      nsId = namespaceIds_.emplace(binding.namespace_, static_cast<std::uint32_t>(namespaceIds_.size())).first->second;
      if (nsId == namespaceBindings_.size()) namespaceBindings_.emplace_back();
      namespaceBindings_[nsId].push_back(static_cast<std::uint32_t>(b));
    }
    auto add = [&](GrantIndex& index, const std::string& key, const Grant& grant) {
      SubjectGrants& grants = index[key];
      if (binding.clusterScoped) grants.cluster.push_back(grant);
      else grants.namespaced.emplace_back(nsId, grant);
    };
    for (std::size_t s = 0; s < binding.subjects.size(); ++s) {
      const Subject& subject = binding.subjects[s];
      Grant grant{static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(s), bindingRole_[b]};
      if (subject.kind == "User") {
        add(byUser_, subject.name, grant);
      } else if (subject.kind == "Group") {
        add(byGroup_, subject.name, grant);
      } else if (subject.kind == "ServiceAccount") {
        // appliesToUser: the subject's namespace, else the binding's; none (a ClusterRoleBinding
        // subject without namespace) matches nobody.
        const std::string& ns = subject.namespace_.empty() ? binding.namespace_ : subject.namespace_;
        if (!ns.empty()) add(byUser_, serviceAccountUsername(ns, subject.name), grant);
      }
    }
  }
  whoCanSubjects_.resize(policy_.bindings.size());
  for (std::size_t b = 0; b < policy_.bindings.size(); ++b) {
    const Binding& binding = policy_.bindings[b];
    for (std::size_t s = 0; s < binding.subjects.size(); ++s)
      if (auto subject = whoCanSubject(binding, binding.subjects[s]))
        whoCanSubjects_[b].emplace_back(static_cast<std::uint32_t>(s), std::move(*subject));
  }
  for (GrantIndex* index : {&byUser_, &byGroup_})
    for (auto& kv : *index)
      std::stable_sort(kv.second.namespaced.begin(), kv.second.namespaced.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
}

std::int64_t Evaluator::namespaceId(const std::string& namespace_) const {
  if (namespace_.empty()) return -1;
  auto it = namespaceIds_.find(namespace_);
  return it == namespaceIds_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

// Calls visit(grant) for every grant that applies to the user: ClusterRoleBindings, and for a
// namespaced request the RoleBindings of that namespace (VisitRulesFor consults RoleBindings only
// with a namespace). Stops and returns true when visit returns true.
template <typename Visit>
bool Evaluator::visitGrants(const UserInfo& user, const std::string& namespace_, Visit&& visit) const {
  const std::int64_t nsId = namespaceId(namespace_);
  auto visitKey = [&](const GrantIndex& index, const std::string& key) {
    auto it = index.find(key);
    if (it == index.end()) return false;
    for (const Grant& g : it->second.cluster)
      if (visit(g)) return true;
    if (nsId < 0) return false;
    const auto& namespaced = it->second.namespaced;
    auto first = std::lower_bound(namespaced.begin(), namespaced.end(), static_cast<std::uint32_t>(nsId),
                                  [](const auto& entry, std::uint32_t id) { return entry.first < id; });
    for (; first != namespaced.end() && first->first == static_cast<std::uint32_t>(nsId); ++first)
      if (visit(first->second)) return true;
    return false;
  };
  if (visitKey(byUser_, user.name)) return true;
  for (const auto& group : user.groups)
    if (visitKey(byGroup_, group)) return true;
  return false;
}

std::optional<std::size_t> Evaluator::firstAllowingRule(std::size_t role, const Request& request) const {
  const auto& rules = policy_.roles[role].rules;
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (ruleAllows(rules[i], request)) return i;
  return std::nullopt;
}

bool Evaluator::allows(const UserInfo& user, const Request& request) const {
  // The privileged-group authorizer runs before RBAC in kube-apiserver's union authorizer.
  if (hasGroup(user, kMastersGroup)) return true;
  std::int64_t key = exactKeyOf(request);
  return visitGrants(user, request.namespace_, [&](const Grant& g) {
    return g.role >= 0 && roleAllows(static_cast<std::size_t>(g.role), request, key);
  });
}

Decision Evaluator::decide(const UserInfo& user, const Request& request) const {
  Decision d;
  if (hasGroup(user, kMastersGroup)) {
    d.allowed = true;
    d.allowedBy = Allowance{true, 0, 0, 0, 0};
    return d;
  }
  // Collect every applying grant, then report in upstream's order (cluster bindings first, then input
  // order; for one binding its first applying subject).
  std::vector<Grant> grants;
  visitGrants(user, request.namespace_, [&](const Grant& g) {
    grants.push_back(g);
    return false;
  });
  auto order = [this](const Grant& g) {
    return std::make_tuple(!policy_.bindings[g.binding].clusterScoped, g.binding, g.subject);
  };
  std::sort(grants.begin(), grants.end(), [&](const Grant& a, const Grant& b) { return order(a) < order(b); });
  std::uint32_t lastBinding = UINT32_MAX;
  for (const Grant& g : grants) {
    if (g.binding == lastBinding) continue;  // appliesTo stops at the first subject that applies
    lastBinding = g.binding;
    const Binding& binding = policy_.bindings[g.binding];
    if (g.role < 0) {
      d.resolutionErrors.push_back(binding.roleRef.kind + " \"" + binding.roleRef.name + "\" not found (referenced by " +
                                   binding.describe() + ")");
      continue;
    }
    if (auto rule = firstAllowingRule(static_cast<std::size_t>(g.role), request)) {
      d.allowed = true;
      d.allowedBy = Allowance{false, g.binding, g.subject, static_cast<std::size_t>(g.role), *rule};
      return d;
    }
  }
  return d;
}

bool Evaluator::subjectApplies(const Subject& subject, const std::string& bindingNamespace, const UserInfo& user) const {
  if (subject.kind == "User") return user.name == subject.name;
  if (subject.kind == "Group") return hasGroup(user, subject.name);
  if (subject.kind == "ServiceAccount") {
    const std::string& ns = subject.namespace_.empty() ? bindingNamespace : subject.namespace_;
    return !ns.empty() && matchesServiceAccountUsername(ns, subject.name, user.name);
  }
  return false;
}

bool Evaluator::allowsByLinearScan(const UserInfo& user, const Request& request) const {
  if (hasGroup(user, kMastersGroup)) return true;
  auto bindingAllows = [&](std::size_t b, const std::string& ns) {
    const Binding& binding = policy_.bindings[b];
    bool applies = false;
    for (const Subject& s : binding.subjects)
      if ((applies = subjectApplies(s, ns, user))) break;
    if (!applies || bindingRole_[b] < 0) return false;
    return firstAllowingRule(static_cast<std::size_t>(bindingRole_[b]), request).has_value();
  };
  for (std::size_t b = 0; b < policy_.bindings.size(); ++b)
    if (policy_.bindings[b].clusterScoped && bindingAllows(b, "")) return true;
  if (request.namespace_.empty()) return false;
  for (std::size_t b = 0; b < policy_.bindings.size(); ++b) {
    const Binding& binding = policy_.bindings[b];
    if (!binding.clusterScoped && binding.namespace_ == request.namespace_ && bindingAllows(b, request.namespace_))
      return true;
  }
  return false;
}

std::vector<PolicyRule> Evaluator::rulesFor(const UserInfo& user, const std::string& namespace_) const {
  std::vector<PolicyRule> rules;
  auto visit = [&](std::size_t b, const std::string& ns) {
    const Binding& binding = policy_.bindings[b];
    bool applies = false;
    for (const Subject& s : binding.subjects)
      if ((applies = subjectApplies(s, ns, user))) break;
    if (!applies || bindingRole_[b] < 0) return;
    const auto& roleRules = policy_.roles[static_cast<std::size_t>(bindingRole_[b])].rules;
    rules.insert(rules.end(), roleRules.begin(), roleRules.end());
  };
  for (std::size_t b = 0; b < policy_.bindings.size(); ++b)
    if (policy_.bindings[b].clusterScoped) visit(b, "");
  if (namespace_.empty()) return rules;
  for (std::size_t b = 0; b < policy_.bindings.size(); ++b)
    if (!policy_.bindings[b].clusterScoped && policy_.bindings[b].namespace_ == namespace_) visit(b, namespace_);
  return rules;
}

std::optional<Subject> Evaluator::whoCanSubject(const Binding& binding, const Subject& subject) const {
  if (subject.kind == "User" || subject.kind == "Group") return subject;
  if (subject.kind == "ServiceAccount") {
    Subject out = subject;
    if (out.namespace_.empty()) out.namespace_ = binding.namespace_;
    if (out.namespace_.empty()) return std::nullopt;  // matches nobody (see appliesToUser)
    return out;
  }
  return std::nullopt;
}

std::vector<WhoCanEntry> Evaluator::whoCan(const Request& request) const {
  std::vector<WhoCanEntry> out;
  out.push_back({Subject{"Group", "rbac.authorization.k8s.io", kMastersGroup, ""}, Allowance{true, 0, 0, 0, 0}});
  // Many bindings share a role: decide each role once.
  std::vector<std::int64_t> memo(policy_.roles.size(), -2);  // -2 unknown, -1 no rule allows, else rule
  auto collect = [&](const std::vector<std::uint32_t>& bindings) {
    for (std::uint32_t b : bindings) {
      std::int64_t role = bindingRole_[b];
      if (role < 0) continue;
      std::int64_t& rule = memo[static_cast<std::size_t>(role)];
      if (rule == -2) {
        auto r = firstAllowingRule(static_cast<std::size_t>(role), request);
        rule = r ? static_cast<std::int64_t>(*r) : -1;
      }
      if (rule < 0) continue;
      for (const auto& subject : whoCanSubjects_[b])
        out.push_back({subject.second, Allowance{false, b, subject.first, static_cast<std::size_t>(role), static_cast<std::size_t>(rule)}});
    }
  };
  collect(clusterBindings_);
  std::int64_t nsId = namespaceId(request.namespace_);
  if (nsId >= 0) collect(namespaceBindings_[static_cast<std::size_t>(nsId)]);
  return out;
}

std::vector<NamedOnlyEntry> Evaluator::whoCanOnlyNamed(const Request& request) const {
  std::vector<NamedOnlyEntry> out;
  // "You cannot restrict create or deletecollection requests by their resource name" (RBAC docs): their
  // URL ends at the collection. A subresource's URL names its object (pods/NAME/exec), create included.
  const bool unnamedVerb = request.verb == "deletecollection" || (request.verb == "create" && request.subresource.empty());
  if (!request.resourceRequest || !request.name.empty() || unnamedVerb) return out;
  auto key = [](const Subject& s) { return s.kind + "\n" + s.namespace_ + "\n" + s.name; };
  std::set<std::string> listed;
  for (const WhoCanEntry& e : whoCan(request)) listed.insert(key(e.subject));
  auto collect = [&](const std::vector<std::uint32_t>& bindings) {
    for (std::uint32_t b : bindings) {
      if (bindingRole_[b] < 0) continue;
      const std::size_t role = static_cast<std::size_t>(bindingRole_[b]);
      const auto& rules = policy_.roles[role].rules;
      std::optional<std::size_t> firstRule;
      std::vector<std::string> names;
      for (std::size_t i = 0; i < rules.size(); ++i) {
        for (const std::string& name : rules[i].resourceNames) {
          Request named = request;
          named.name = name;
          if (name.empty() || !ruleAllows(rules[i], named)) continue;
          if (!firstRule) firstRule = i;
          if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
      }
      if (!firstRule) continue;
      for (const auto& subject : whoCanSubjects_[b]) {
        if (listed.count(key(subject.second))) continue;
        out.push_back({subject.second, Allowance{false, b, subject.first, role, *firstRule}, names});
      }
    }
  };
  collect(clusterBindings_);
  std::int64_t nsId = namespaceId(request.namespace_);
  if (nsId >= 0) collect(namespaceBindings_[static_cast<std::size_t>(nsId)]);
  return out;
}

std::vector<WhoCanEntry> Evaluator::whoCanByLinearScan(const Request& request) const {
  std::vector<WhoCanEntry> out;
  out.push_back({Subject{"Group", "rbac.authorization.k8s.io", kMastersGroup, ""}, Allowance{true, 0, 0, 0, 0}});
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t b = 0; b < policy_.bindings.size(); ++b) {
      const Binding& binding = policy_.bindings[b];
      bool inScope = pass == 0 ? binding.clusterScoped
                               : (!binding.clusterScoped && !request.namespace_.empty() && binding.namespace_ == request.namespace_);
      if (!inScope || bindingRole_[b] < 0) continue;
      auto rule = firstAllowingRule(static_cast<std::size_t>(bindingRole_[b]), request);
      if (!rule) continue;
      for (std::size_t s = 0; s < binding.subjects.size(); ++s)
        if (auto subject = whoCanSubject(binding, binding.subjects[s]))
          out.push_back({*subject, Allowance{false, b, s, static_cast<std::size_t>(bindingRole_[b]), *rule}});
    }
  }
  return out;
}

std::optional<std::size_t> Evaluator::roleOf(std::size_t binding) const {
  if (binding >= bindingRole_.size() || bindingRole_[binding] < 0) return std::nullopt;
  return static_cast<std::size_t>(bindingRole_[binding]);
}

std::vector<std::string> Evaluator::bindingNamespaces() const {
  std::vector<std::string> out;
  for (const auto& kv : namespaceIds_) out.push_back(kv.first);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Evaluator::describe(const Allowance& a) const {
  if (a.privilegedGroup) return std::string("allowed by membership in the privileged group ") + kMastersGroup;
  const Binding& b = policy_.bindings[a.binding];
  std::string binding = b.clusterScoped ? "ClusterRoleBinding \"" + b.name + "\""
                                        : "RoleBinding \"" + b.name + "/" + b.namespace_ + "\"";
  return "RBAC: allowed by " + binding + " of " + b.roleRef.kind + " \"" + b.roleRef.name + "\" to " +
         upstreamSubject(b.subjects[a.subject], b.namespace_);
}

std::string Evaluator::reason(const Decision& d) const {
  if (d.allowed && d.allowedBy) return describe(*d.allowedBy);
  std::string out = "no RBAC rule allows it";
  for (const auto& e : d.resolutionErrors) out += "; " + e;
  return out;
}

}  // namespace rbac
