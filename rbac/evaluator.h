#pragma once
// kube-apiserver's authorization decision for RBAC, offline: the privileged-group authorizer
// (system:masters is allowed everything) in front of the RBAC authorizer
// (plugin/pkg/auth/authorizer/rbac/rbac.go + pkg/registry/rbac/validation/rule.go).
//
// Built once from a Policy and immutable afterwards. Bindings are indexed by subject (user name,
// group, service-account user name) and by namespace, so a decision looks at the bindings that can
// apply to the user instead of scanning them all as upstream's VisitRulesFor does; the outcome is the
// same (tests compare both, and the e2e test compares with a real API server).
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rbac/policy.h"
#include "rbac/request.h"

namespace rbac {

// Which ClusterRole rules count for a ClusterRole with an aggregationRule.
enum class AggregationMode {
  Stored,      // the rules as stored (what a live cluster evaluates; the controller keeps them current)
  Recomputed,  // recomputed from the input's ClusterRoles and labels (see aggregation.h)
  // Recomputed only for aggregated ClusterRoles without stored rules (a manifest or the built-in
  // admin/edit/view, which the controller has not filled yet); stored rules kept otherwise.
  RecomputedWhenEmpty,
};

struct EvaluatorOptions {
  AggregationMode aggregation = AggregationMode::Stored;
};

// What allowed a request: a binding, its first subject that applies, the role and the rule.
struct Allowance {
  bool privilegedGroup = false;  // allowed by membership in system:masters, before RBAC
  std::size_t binding = 0;       // indexes into Evaluator::policy()
  std::size_t subject = 0;
  std::size_t role = 0;
  std::size_t rule = 0;
};

struct Decision {
  bool allowed = false;
  std::optional<Allowance> allowedBy;
  // Bindings that applied to the user but whose role could not be found (upstream reports these as
  // the reason of a denial; they never allow anything).
  std::vector<std::string> resolutionErrors;
};

// One subject that a who-can query found, with the binding that grants the request.
struct WhoCanEntry {
  Subject subject;  // ServiceAccount namespace filled in from a RoleBinding when omitted
  Allowance allowedBy;
};

// A subject allowed a request without a name only on some objects: a rule that would allow it has
// resourceNames. Upstream does not allow the request itself (a request without a name never matches
// resourceNames); who-can lists such subjects apart, with the names.
struct NamedOnlyEntry {
  Subject subject;
  Allowance allowedBy;             // the first such rule of the binding's role
  std::vector<std::string> names;  // every name the role's rules allow it on, in rule order
};

class Evaluator {
 public:
  explicit Evaluator(Policy policy, EvaluatorOptions options = {});

  // The fast path: only the answer.
  bool allows(const UserInfo& user, const Request& request) const;
  // The answer and what decided it. When several bindings allow, the one reported is the first in
  // upstream's visiting order: ClusterRoleBindings before RoleBindings, then input order.
  Decision decide(const UserInfo& user, const Request& request) const;
  // Upstream's algorithm as written (every ClusterRoleBinding, then every RoleBinding of the
  // namespace, subjects checked one by one). The reference that tests and benchmarks compare against.
  bool allowsByLinearScan(const UserInfo& user, const Request& request) const;

  // The rules of every binding that applies to the user, cluster-wide ones first, then the RoleBindings
  // of `namespace_` (none when empty), each in input order: the RBAC authorizer's RulesFor, which a
  // SelfSubjectRulesReview (`kubectl auth can-i --list`) returns. system:masters adds nothing here: the
  // privileged-group authorizer lists no rules.
  std::vector<PolicyRule> rulesFor(const UserInfo& user, const std::string& namespace_) const;

  // Every subject that some binding allows to make the request, plus the group system:masters; in
  // upstream visiting order. Group and User subjects are listed as written: members of a listed group
  // are allowed too.
  std::vector<WhoCanEntry> whoCan(const Request& request) const;
  // For a resource request without a name whose verb can carry one (not deletecollection, nor create of
  // a whole object: RequestInfo never names their object), the subjects of the bindings in scope whose role allows it
  // only on named objects, leaving out subjects whoCan lists; empty otherwise.
  std::vector<NamedOnlyEntry> whoCanOnlyNamed(const Request& request) const;
  // who-can by checking every binding's rules one by one, without the per-role memo (benchmark baseline).
  std::vector<WhoCanEntry> whoCanByLinearScan(const Request& request) const;

  // The policy as evaluated (with recomputed aggregation when asked for).
  const Policy& policy() const { return policy_; }
  // The role a binding refers to, or nullopt when it does not resolve (missing role, unknown kind,
  // a ClusterRoleBinding to a Role).
  std::optional<std::size_t> roleOf(std::size_t binding) const;
  // The namespaces that have at least one RoleBinding, sorted.
  std::vector<std::string> bindingNamespaces() const;

  // `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "alice"` (upstream's wording)
  std::string describe(const Allowance& allowance) const;
  // One line for a denial or an allowance, for can-i --explain.
  std::string reason(const Decision& decision) const;

 private:
  struct Grant {
    std::uint32_t binding;
    std::uint32_t subject;
    std::int64_t role;  // -1 when the roleRef does not resolve
  };
  // Every grant naming one user name or group: the cluster-wide ones, and the namespaced ones sorted
  // by namespace id, so that a decision hashes each of the user's names once.
  struct SubjectGrants {
    std::vector<Grant> cluster;
    std::vector<std::pair<std::uint32_t, Grant>> namespaced;
  };
  using GrantIndex = std::unordered_map<std::string, SubjectGrants>;

  void index();
  void compileRoles();
  bool roleAllows(std::size_t role, const Request& request, std::int64_t exactKey) const;
  std::int64_t exactKeyOf(const Request& request) const;
  std::int64_t namespaceId(const std::string& namespace_) const;
  template <typename Visit>
  bool visitGrants(const UserInfo& user, const std::string& namespace_, Visit&& visit) const;
  std::optional<std::size_t> firstAllowingRule(std::size_t role, const Request& request) const;
  bool subjectApplies(const Subject& subject, const std::string& bindingNamespace, const UserInfo& user) const;
  std::optional<Subject> whoCanSubject(const Binding& binding, const Subject& subject) const;

  // The fast path's view of a role: rules without any wildcard or resourceNames are expanded into
  // (verb, group, resource) keys, interned once per evaluator; a request looks its key up once and
  // each role answers with a binary search. Every other rule is matched with ruleAllows.
  struct CompiledRole {
    std::vector<std::uint32_t> exactKeys;  // sorted ids into exactKeyIds_
    std::vector<std::uint32_t> otherRules;  // indexes of the rules matched one by one
  };

  Policy policy_;
  std::vector<CompiledRole> compiled_;
  std::unordered_map<std::string, std::uint32_t> exactKeyIds_;
  std::vector<std::int64_t> bindingRole_;  // per binding, -1 when unresolved
  GrantIndex byUser_;   // user names: User subjects and service-account user names
  GrantIndex byGroup_;
  std::unordered_map<std::string, std::uint32_t> namespaceIds_;  // namespaces with RoleBindings
  std::vector<std::uint32_t> clusterBindings_;                  // input order
  std::vector<std::vector<std::uint32_t>> namespaceBindings_;   // per namespace id, input order
  // Per binding, the subjects who-can reports (service-account namespaces filled in, subjects that
  // match nobody left out), with their index in the binding.
  std::vector<std::vector<std::pair<std::uint32_t, Subject>>> whoCanSubjects_;
};

}  // namespace rbac
