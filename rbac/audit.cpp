#include "rbac/audit.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "findings/check_catalog.h"
#include "rbac/builtin_roles.h"
#include "rbac/rule_matching.h"
#include "rbac/user_info.h"

namespace rbac {
namespace {

// Sentinels that no valid object can carry: a namespace no RoleBinding lives in (so only
// ClusterRoleBindings answer), a name no resourceNames entry lists, a user no binding names.
const char* const kEveryNamespace = "<every namespace>";
const char* const kAnyName = "<any name>";
const char* const kGroupMember = "<a member of the group>";

struct AuditSubject {
  Subject subject;
  UserInfo user;
  std::set<std::string> namespaces;  // where RoleBindings name it
};

bool isDefaultBinding(const Binding& b) { return isBootstrapObject(true, b.clusterScoped, b.namespace_, b.name, b.labels); }

std::string joinList(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + (s.empty() ? std::string("\"\"") : s);
  return "[" + out + "]";
}

// Every distinct identity named by a binding. A User subject spelled like a service account is the
// same identity as the ServiceAccount subject (both compare user names), so they are merged.
std::vector<AuditSubject> collectSubjects(const Policy& policy) {
  std::map<std::string, AuditSubject> byKey;
  for (const Binding& b : policy.bindings) {
    if (!b.clusterScoped && b.namespace_.empty()) continue;
    for (const Subject& s : b.subjects) {
      AuditSubject a;
      if (s.kind == "Group") {
        if (s.name == kMastersGroup) continue;  // allowed everything before RBAC anyway
        a.subject = Subject{"Group", "rbac.authorization.k8s.io", s.name, ""};
        a.user = UserInfo{kGroupMember, {s.name}};
      } else if (s.kind == "User" || s.kind == "ServiceAccount") {
        std::string username = s.name;
        if (s.kind == "ServiceAccount") {
          std::string ns = s.namespace_.empty() ? b.namespace_ : s.namespace_;
          if (ns.empty()) continue;  // matches nobody
          username = serviceAccountUsername(ns, s.name);
        }
        if (auto sa = splitServiceAccountUsername(username)) a.subject = Subject{"ServiceAccount", "", sa->second, sa->first};
        else a.subject = Subject{"User", "rbac.authorization.k8s.io", username, ""};
        a.user = UserInfo{username, {}};
      } else {
        continue;
      }
      std::string key = (a.subject.kind == "Group" ? "G:" : "U:") + (a.subject.kind == "Group" ? a.subject.name : a.user.name);
      auto it = byKey.emplace(key, a).first;
      if (!b.clusterScoped) it->second.namespaces.insert(b.namespace_);
    }
  }
  std::vector<AuditSubject> out;
  for (auto& kv : byKey) out.push_back(std::move(kv.second));
  return out;
}

std::set<std::string> allResourceNames(const Policy& policy) {
  std::set<std::string> names;
  for (const Role& r : policy.roles)
    for (const PolicyRule& rule : r.rules) names.insert(rule.resourceNames.begin(), rule.resourceNames.end());
  return names;
}

struct ProbeOutcome {
  bool allowed = false;
  std::vector<std::string> onlyNames;  // non-empty: allowed only for these names (resourceNames)
  std::vector<Allowance> by;
};

class Auditor {
 public:
  Auditor(const Evaluator& evaluator)
      : ev_(evaluator), paths_(escalationPathsFor(evaluator.policy())), policyNames_(allResourceNames(evaluator.policy())) {}

  // Asks the evaluator as a real request would be made. In the cluster-wide scope only
  // ClusterRoleBindings count (the namespace is the sentinel; a named namespace is itself).
  ProbeOutcome probe(const UserInfo& user, const Probe& p, const std::string& scope) const {
    Request r = Request::resource_(p.verb, p.apiGroup, p.resource, p.subresource);
    std::string ns = scope.empty() ? kEveryNamespace : scope;
    if (!p.clusterScoped) r.namespace_ = ns;
    auto ask = [&](const std::string& name) -> std::optional<Allowance> {
      r.name = name;
      if (p.namespaceIsName && scope.empty()) r.namespace_ = name;
      if (!ev_.allows(user, r)) return std::nullopt;  // the fast path first: most probes are denied
      Decision d = ev_.decide(user, r);
      if (!d.allowed || !d.allowedBy) return std::nullopt;
      if (scope.empty() && !d.allowedBy->privilegedGroup && !ev_.policy().bindings[d.allowedBy->binding].clusterScoped)
        return std::nullopt;
      return d.allowedBy;
    };
    ProbeOutcome out;
    if (!p.named) {
      if (auto a = ask("")) out = {true, {}, {*a}};
      return out;
    }
    std::vector<std::string> unrestricted = {p.namespaceIsName && !scope.empty() ? scope : kAnyName};
    unrestricted.insert(unrestricted.end(), p.names.begin(), p.names.end());
    for (const auto& name : unrestricted)
      if (auto a = ask(name)) return {true, {}, {*a}};
    if (p.namespaceIsName && !scope.empty()) return out;  // the only name that matters
    // Not for any name: perhaps for some (rules with resourceNames).
    for (const auto& name : policyNames_) {
      if (auto a = ask(name)) {
        out.allowed = true;
        out.onlyNames.push_back(name);
        out.by.push_back(*a);
      }
    }
    return out;
  }

  const Evaluator& ev_;
  std::vector<EscalationPath> paths_;  // the paths probed (user-extra keys of this policy included)
  std::set<std::string> policyNames_;
};

ChainLink linkOf(const Evaluator& ev, const Allowance& a) {
  ChainLink link;
  if (a.privilegedGroup) {
    link.binding = std::string("group ") + kMastersGroup;
    link.role = "(privileged, before RBAC)";
    return link;
  }
  const Binding& b = ev.policy().bindings[a.binding];
  const Role& role = ev.policy().roles[a.role];
  link.binding = b.describe();
  link.role = role.describe();
  link.rule = a.rule;
  link.ruleText = describeRule(role.rules[a.rule]);
  link.source = b.source;
  link.file = b.file;
  link.line = b.line;
  return link;
}

Severity downgrade(Severity s) {
  return s == Severity::Critical ? Severity::High : s == Severity::High ? Severity::Medium : Severity::Low;
}

std::string scopeWords(const std::string& scope) {
  return scope.empty() ? "in every namespace / cluster-wide" : "in namespace " + scope;
}

void addChain(const Evaluator& ev, const std::vector<Allowance>& by, std::vector<ChainLink>& chain) {
  for (const Allowance& a : by) {
    ChainLink link = linkOf(ev, a);
    bool seen = std::any_of(chain.begin(), chain.end(), [&](const ChainLink& c) {
      return c.binding == link.binding && c.role == link.role && c.rule == link.rule;
    });
    if (!seen) chain.push_back(link);
  }
}

// The identity a request limited to `name` lets the subject act as: TokenRequest and impersonation
// of service accounts name one in the request's namespace (any namespace cluster-wide),
// impersonation of users and groups names them. Other names (secrets, pods) are objects whose
// identity kguard cannot know offline.
std::optional<Subject> identityNamed(const Probe& p, const std::string& scope, const std::string& name) {
  if (p.apiGroup.empty() && p.resource == "serviceaccounts" && (p.subresource == "token" || p.verb == "impersonate"))
    return Subject{"ServiceAccount", "", name, scope};
  if (p.verb != "impersonate" || !p.apiGroup.empty()) return std::nullopt;
  if (p.resource == "groups") return Subject{"Group", "rbac.authorization.k8s.io", name, ""};
  if (p.resource != "users") return std::nullopt;
  if (auto sa = splitServiceAccountUsername(name)) return Subject{"ServiceAccount", "", sa->second, sa->first};
  return Subject{"User", "rbac.authorization.k8s.io", name, ""};
}

// Whether `bind` limited to `name` lets the subject bind a role that grants everything (cluster-admin):
// the ClusterRole of that name, or for roles the Role of that name in the scope's namespace.
bool namesRoleGrantingEverything(const Policy& policy, const Probe& p, const std::string& scope, const std::string& name) {
  bool cluster = p.resource == "clusterroles";
  return std::any_of(policy.roles.begin(), policy.roles.end(), [&](const Role& r) {
    return r.name == name && r.clusterScoped == cluster && (cluster || r.namespace_ == scope) && grantsEverything(r);
  });
}

bool appliesToVersion(const std::vector<Probe>& alternative, int minor) {
  return std::none_of(alternative.begin(), alternative.end(),
                      [minor](const Probe& p) { return p.untilMinor > 0 && minor >= p.untilMinor; });
}

// The probe-based findings of one subject in one scope. `clusterSatisfied` holds, per path, which
// alternatives are already satisfied cluster-wide (so a namespace repeats none of them).
void auditScope(const Auditor& auditor, const AuditSubject& s, const std::string& scope, int kubernetesMinor,
                std::map<std::string, std::vector<bool>>& clusterSatisfied, std::vector<EscalationFinding>& out) {
  for (const EscalationPath& path : auditor.paths_) {
    EscalationFinding f;
    bool allRestricted = true;
    std::vector<Subject> reached;  // identities named by the resourceNames of restricted grants
    bool namesEverything = false;  // bind limited to names, one of them a role granting everything
    std::vector<bool>& satisfiedCluster = clusterSatisfied[path.id];
    satisfiedCluster.resize(path.alternatives.size(), false);
    for (std::size_t i = 0; i < path.alternatives.size(); ++i) {
      if (!scope.empty() && satisfiedCluster[i]) continue;
      const auto& alternative = path.alternatives[i];
      if (!appliesToVersion(alternative, kubernetesMinor)) continue;
      if (!scope.empty() && std::all_of(alternative.begin(), alternative.end(), [](const Probe& p) { return p.clusterScoped; }))
        continue;  // cluster-scoped requests are never granted by a RoleBinding
      std::vector<ProbeOutcome> outcomes;
      for (const Probe& p : alternative) {
        outcomes.push_back(auditor.probe(s.user, p, scope));
        if (!outcomes.back().allowed) break;
      }
      if (outcomes.size() != alternative.size() || !outcomes.back().allowed) continue;
      if (scope.empty()) satisfiedCluster[i] = true;
      std::string grant;
      bool restricted = false;
      for (std::size_t j = 0; j < alternative.size(); ++j) {
        std::string g = alternative[j].describe();
        if (!outcomes[j].onlyNames.empty()) {
          restricted = true;
          std::string names;
          for (const auto& n : outcomes[j].onlyNames) {
            names += (names.empty() ? "" : ", ") + n;
            if (auto id = identityNamed(alternative[j], scope, n)) reached.push_back(*id);
            if (alternative[j].verb == "bind" && namesRoleGrantingEverything(auditor.ev_.policy(), alternative[j], scope, n))
              namesEverything = true;
          }
          g += " (only " + names + ")";
        }
        grant += (grant.empty() ? "" : " + ") + g;
        addChain(auditor.ev_, outcomes[j].by, f.chain);
      }
      allRestricted = allRestricted && restricted;
      f.grants.push_back(grant);
    }
    if (f.grants.empty()) continue;
    f.id = path.id;
    f.severity = scope.empty() ? path.clusterWide : path.namespaced;
    if (allRestricted && !namesEverything) {  // binding cluster-admin only is binding cluster-admin
      f.severity = downgrade(f.severity);
      f.reachesOnly = std::move(reached);
    }
    f.subject = s.subject;
    f.scope = scope;
    f.title = path.title;
    std::string grants;
    for (const auto& g : f.grants) grants += (grants.empty() ? "" : "; ") + g;
    f.path = s.subject.describe() + " can " + grants + " " + scopeWords(scope) + ": " + path.consequence;
    if (!path.versionNote.empty()) {
      f.assumesVersion = kubernetesVersionName(kubernetesMinor);
      f.path += " (assuming Kubernetes " + f.assumesVersion + ": " + path.versionNote + ")";
    }
    out.push_back(std::move(f));
  }
}

std::string subjectScopeKey(const Subject& subject, const std::string& scope) {
  return subject.kind + "\n" + subject.namespace_ + "\n" + subject.name + "\n" + scope;
}

// Findings from the bindings themselves: wildcard rules and grants to everyone.
void auditBindings(const Evaluator& ev, std::vector<EscalationFinding>& out) {
  const Policy& policy = ev.policy();
  std::set<std::string> fullWildcard;  // a wildcard rule adds nothing to a full wildcard in that scope
  for (const auto& f : out)
    if (f.id == "rbac.escalation.fullWildcard") fullWildcard.insert(subjectScopeKey(f.subject, f.scope));
  for (std::size_t b = 0; b < policy.bindings.size(); ++b) {
    const Binding& binding = policy.bindings[b];
    auto role = ev.roleOf(b);
    if (!role || (!binding.clusterScoped && binding.namespace_.empty())) continue;
    const Role& r = policy.roles[*role];
    for (std::size_t si = 0; si < binding.subjects.size(); ++si) {
      Subject subject = binding.subjects[si];
      if (subject.kind == "ServiceAccount" && subject.namespace_.empty()) subject.namespace_ = binding.namespace_;
      if (subject.kind == "ServiceAccount" && subject.namespace_.empty()) continue;
      bool everyone = (subject.kind == "Group" && (subject.name == kUnauthenticatedGroup || subject.name == kAuthenticatedGroup)) ||
                      (subject.kind == "User" && subject.name == kAnonymousUser);
      if (everyone && !r.rules.empty()) {
        EscalationFinding f;
        f.id = "rbac.escalation.grantToEveryone";
        f.severity = subject.name == kAuthenticatedGroup ? Severity::Medium : Severity::High;
        f.subject = subject;
        f.scope = binding.namespace_;
        f.title = findings::findCheck(f.id)->title;
        std::string who = subject.name == kAuthenticatedGroup ? "every authenticated user (any service account included)"
                                                             : "every unauthenticated client";
        f.path = binding.describe() + " gives " + r.describe() + " to " + who + " " + scopeWords(binding.namespace_);
        f.grants.push_back(r.describe());
        for (std::size_t i = 0; i < r.rules.size(); ++i) f.chain.push_back(linkOf(ev, Allowance{false, b, si, *role, i}));
        out.push_back(std::move(f));
      }
      if (subject.kind == "Group" && subject.name == kMastersGroup) continue;
      if (fullWildcard.count(subjectScopeKey(subject, binding.namespace_)) || fullWildcard.count(subjectScopeKey(subject, "")))
        continue;
      for (std::size_t i = 0; i < r.rules.size(); ++i) {
        const PolicyRule& rule = r.rules[i];
        auto star = [](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), "*") != v.end(); };
        if (!star(rule.verbs) && !star(rule.resources)) continue;
        EscalationFinding f;
        f.id = "rbac.escalation.wildcardRule";
        f.severity = Severity::Medium;
        f.subject = subject;
        f.scope = binding.namespace_;
        f.title = findings::findCheck(f.id)->title;
        f.path = subject.describe() + " holds a rule with `*` " + (star(rule.verbs) ? "verbs" : "resources") + " " +
                 scopeWords(binding.namespace_) + ": it covers every current and future " +
                 (star(rule.verbs) ? "verb" : "resource") + " it matches, escalate/bind/impersonate and subresources included";
        f.grants.push_back(describeRule(rule));
        f.chain.push_back(linkOf(ev, Allowance{false, b, si, *role, i}));
        out.push_back(std::move(f));
      }
    }
  }
}

// Paths that let a subject act as any service account of the scope: a pod runs as any service
// account of its namespace (and exec, ephemeral containers, pod updates reach running ones); service
// account tokens live in secrets or are minted by TokenRequest.
bool actsAsServiceAccounts(const std::string& id) {
  static const std::set<std::string> ids = {
      "rbac.escalation.podCreate",      "rbac.escalation.podExec",         "rbac.escalation.ephemeralContainers",
      "rbac.escalation.podUpdate",      "rbac.escalation.secretsRead",     "rbac.escalation.secretsWrite",
      "rbac.escalation.serviceAccountToken"};
  return ids.count(id) > 0;
}

std::string scopeLabel(const std::string& scope) { return scope.empty() ? "cluster-wide" : "in namespace " + scope; }

bool sameIdentity(const Subject& a, const Subject& b) {
  return a.kind == b.kind && a.name == b.name && a.namespace_ == b.namespace_;
}

// Whether an audited subject's grants are held by (some) service accounts of namespace `scope` (of
// every namespace when empty): the service accounts themselves and the groups the API server puts
// every service account in (system:serviceaccounts, system:serviceaccounts:NS).
bool holdsServiceAccountsOf(const Subject& s, const std::string& scope) {
  if (s.kind == "ServiceAccount") return scope.empty() || s.namespace_ == scope;
  if (s.kind != "Group") return false;
  if (s.name == kServiceAccountsGroup) return true;
  std::string prefix = std::string(kServiceAccountsGroup) + ":";
  return s.name.compare(0, prefix.size(), prefix) == 0 && (scope.empty() || s.name == prefix + scope);
}

// The one-hop pass: uses the severities found so far (not the raised ones), so chains do not feed on
// themselves. Lists the three most privileged identities reached and counts the rest. A grant limited
// by resourceNames reaches only the identities its names are (reachesOnly); impersonation reaches
// them too.
void linkIdentityHops(std::vector<EscalationFinding>& findings) {
  struct Reach {
    Subject subject;
    Severity severity = Severity::Low;
    std::string text;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Reach> bySubject;  // its worst finding
  for (const auto& f : findings) {
    auto key = std::make_tuple(f.subject.kind, f.subject.namespace_, f.subject.name);
    auto it = bySubject.find(key);
    if (it != bySubject.end() && it->second.severity <= f.severity) continue;
    std::string who = f.subject.kind == "ServiceAccount" ? "ServiceAccount " + f.subject.namespace_ + "/" + f.subject.name
                                                         : f.subject.describe();
    bySubject[key] = Reach{f.subject, f.severity,
                           who + ": " + severityName(f.severity) + " " + f.title + " (" + scopeLabel(f.scope) + ")"};
  }
  std::vector<const Reach*> all;
  for (const auto& kv : bySubject) all.push_back(&kv.second);
  std::stable_sort(all.begin(), all.end(), [](const Reach* a, const Reach* b) { return a->severity < b->severity; });
  static const Reach masters{Subject{"Group", "rbac.authorization.k8s.io", kMastersGroup, ""}, Severity::Critical,
                             std::string("Group ") + kMastersGroup + ": critical every request (allowed before RBAC)"};
  const std::size_t kListed = 3;
  for (auto& f : findings) {
    bool limited = f.reachesOnly.has_value();
    if (!actsAsServiceAccounts(f.id) && !(limited && f.id == "rbac.escalation.impersonate")) continue;
    auto reaches = [&](const Reach* r) {
      if (!limited) return holdsServiceAccountsOf(r->subject, f.scope);
      return std::any_of(f.reachesOnly->begin(), f.reachesOnly->end(), [&](const Subject& named) {
        if (named.kind == "ServiceAccount" && r->subject.kind == "Group") return holdsServiceAccountsOf(r->subject, named.namespace_);
        if (named.kind == "ServiceAccount" && named.namespace_.empty())
          return r->subject.kind == "ServiceAccount" && r->subject.name == named.name;
        return sameIdentity(named, r->subject);
      });
    };
    std::vector<const Reach*> candidates;
    if (limited && std::any_of(f.reachesOnly->begin(), f.reachesOnly->end(),
                               [](const Subject& s) { return s.kind == "Group" && s.name == kMastersGroup; }))
      candidates.push_back(&masters);
    for (const Reach* r : all)
      if (reaches(r) && !sameIdentity(r->subject, f.subject)) candidates.push_back(r);
    for (std::size_t i = 0; i < candidates.size() && i < kListed; ++i) {
      f.leadsTo.push_back(candidates[i]->text);
      if (candidates[i]->severity < f.severity) f.severity = candidates[i]->severity;
    }
    if (candidates.empty()) continue;
    if (candidates.size() > kListed) f.leadsTo.push_back("and " + std::to_string(candidates.size() - kListed) +
                                                   (limited ? " more identities" : " more service accounts"));
    if (limited)
      f.path += "; the names it is limited to lead to " + f.leadsTo.front();
    else
      f.path += "; this reaches the service accounts of " +
                std::string(f.scope.empty() ? "every namespace" : "namespace " + f.scope) + ", among them " + f.leadsTo.front();
  }
}

}  // namespace

std::string describeRule(const PolicyRule& rule) {
  std::string out = "verbs=" + joinList(rule.verbs);
  if (!rule.apiGroups.empty()) out += " apiGroups=" + joinList(rule.apiGroups);
  if (!rule.resources.empty()) out += " resources=" + joinList(rule.resources);
  if (!rule.resourceNames.empty()) out += " resourceNames=" + joinList(rule.resourceNames);
  if (!rule.nonResourceURLs.empty()) out += " nonResourceURLs=" + joinList(rule.nonResourceURLs);
  return out;
}

findings::Finding EscalationFinding::toFinding() const {
  findings::Finding out;
  out.check = id;
  out.level = "rbac";
  out.message = path;
  out.severity = severity;
  out.object = {subject.kind, subject.namespace_, subject.name, ""};
  return out;
}

std::vector<EscalationFinding> auditEscalationPaths(const Evaluator& evaluator, const AuditOptions& options) {
  std::optional<Evaluator> filtered;
  if (!options.includeDefaults) {
    Policy policy = evaluator.policy();  // already aggregated as asked
    policy.bindings.erase(std::remove_if(policy.bindings.begin(), policy.bindings.end(), isDefaultBinding), policy.bindings.end());
    filtered.emplace(std::move(policy));
  }
  const Evaluator& ev = filtered ? *filtered : evaluator;
  Auditor auditor(ev);
  std::vector<EscalationFinding> out;
  for (const AuditSubject& s : collectSubjects(ev.policy())) {
    std::map<std::string, std::vector<bool>> clusterSatisfied;
    auditScope(auditor, s, "", options.kubernetesMinor, clusterSatisfied, out);
    for (const auto& ns : s.namespaces) auditScope(auditor, s, ns, options.kubernetesMinor, clusterSatisfied, out);
  }
  auditBindings(ev, out);
  linkIdentityHops(out);
  std::stable_sort(out.begin(), out.end(), [](const EscalationFinding& a, const EscalationFinding& b) {
    return std::make_tuple(static_cast<int>(a.severity), a.subject.kind, a.subject.namespace_, a.subject.name, a.scope, a.id) <
           std::make_tuple(static_cast<int>(b.severity), b.subject.kind, b.subject.namespace_, b.subject.name, b.scope, b.id);
  });
  return out;
}

}  // namespace rbac
