#include "lint/linter.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "kube/namespace_object.h"
#include "kube/pod_decode.h"
#include "kube/volume_claims.h"
#include "kube/workload_selector.h"
#include "netpol/lint.h"
#include "podsecurity/evaluator.h"
#include "podsecurity/failure_fields.h"
#include "podsecurity/namespace_policy.h"
#include "rbac/guardrails.h"
#include "rbac/policy_decode.h"
#include "rbac/validation.h"
#include "rules/image_signatures.h"
#include "rules/rule_registry.h"

namespace lint {
namespace {

using NamespaceLabels = std::map<std::string, kube::StringMap>;

// An object that does not decode: named in the report's errors, and not judged.
void reportUndecoded(LintReport& report, size_t index, const kube::Manifest& m, const kube::DecodeError& e) {
  report.errors.push_back(m.errorAt(e.path(), e.problem()));
  report.undecoded.insert(index);
}

// Labels of every Namespace object in the input, by name; Namespaces that do not decode are reported.
NamespaceLabels collectNamespaces(const std::vector<kube::Manifest>& manifests, LintReport& report) {
  NamespaceLabels out;
  for (size_t i = 0; i < manifests.size(); ++i) {
    try {
      if (const auto* ns = manifests[i].namespaceObject().get()) out[ns->name] = ns->labels;
    } catch (const kube::DecodeError& e) {
      reportUndecoded(report, i, manifests[i], e);
    }
  }
  return out;
}

// Every ServiceAccount object in the input, by "namespace/name" (`defaultNamespace` for those without
// one); ServiceAccounts that do not decode are reported.
using ServiceAccounts = std::map<std::string, const kube::ServiceAccountObject*>;
ServiceAccounts collectServiceAccounts(const std::vector<kube::Manifest>& manifests, const std::string& defaultNamespace,
                                       LintReport& report) {
  ServiceAccounts out;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const auto& m = manifests[i];
    try {
      if (const auto* sa = m.serviceAccount().get())
        out[(m.namespace_().empty() ? defaultNamespace : m.namespace_()) + "/" + m.name()] = sa;
    } catch (const kube::DecodeError& e) {
      reportUndecoded(report, i, m, e);
    }
  }
  return out;
}

// Kinds some checker looks at (the others are listed in the report as read but not evaluated).
bool evaluated(const kube::Manifest& m) {
  static const std::set<std::string> kinds = {"Namespace", "PersistentVolumeClaim", "NetworkPolicy", "Role",
                                              "ClusterRole", "RoleBinding", "ClusterRoleBinding",
                                              "ClusterNetworkPolicy",
                                              // refused by cnp.invalid (v1alpha1 kinds, netpol/cluster_policy_lint.cpp):
                                              // judged, so counted among the objects, not "read but not evaluated"
                                              "AdminNetworkPolicy", "BaselineAdminNetworkPolicy"};
  return kube::podTemplatePath(m.apiVersion(), m.kind()).has_value() || kinds.count(m.kind()) > 0;
}

// Guardrail messages start with their rule id, which the reports already print before the message.
std::string withoutIdPrefix(const std::string& check, std::string message) {
  if (message.compare(0, check.size() + 2, check + ": ") == 0) message.erase(0, check.size() + 2);
  return message;
}

podsecurity::Level requireLevel(const std::string& text, const std::string& what) {
  auto level = podsecurity::parseLevel(text);
  if (!level) throw kube::InputError(what + ": invalid level \"" + text + "\" (privileged, baseline or restricted)");
  return *level;
}

podsecurity::Version requireVersion(const std::string& text, const std::string& what) {
  auto version = podsecurity::parseVersion(text);
  if (!version) throw kube::InputError(what + ": invalid version \"" + text + "\" (v1.N or latest)");
  return *version;
}

// The level and version an object is judged at: --level/--version win; else its namespace's enforce labels,
// read as admission reads them (podsecurity::policyToEvaluate: an invalid level is restricted, an invalid
// version latest); else the config's lint defaults. Throws kube::InputError for invalid flags or config.
class LevelChooser {
 public:
  explicit LevelChooser(const LintOptions& options) {
    defaults_.enforce = {requireLevel(options.config.lintLevel, "config lint.level"),
                         requireVersion(options.config.lintVersion, "config lint.version")};
    if (options.level) flagLevel_ = requireLevel(*options.level, "--level");
    if (options.version) flagVersion_ = requireVersion(*options.version, "--version");
  }

  podsecurity::LevelVersion forNamespace(const kube::StringMap* labels) const {
    podsecurity::LevelVersion out = labels ? podsecurity::policyToEvaluate(*labels, defaults_).policy.enforce : defaults_.enforce;
    if (flagLevel_) out.level = *flagLevel_;
    if (flagVersion_) out.version = *flagVersion_;
    return out;
  }

 private:
  podsecurity::PolicyDefaults defaults_;
  std::optional<podsecurity::Level> flagLevel_;
  std::optional<podsecurity::Version> flagVersion_;
};

Enforcement enforcementFor(config::Mode mode) { return mode == config::Mode::Enforce ? Enforcement::Error : Enforcement::Warning; }

class Linter {
 public:
  Linter(const std::vector<kube::Manifest>& manifests, const LintOptions& options)
      : manifests_(manifests),
        options_(options),
        namespaces_(collectNamespaces(manifests, report_)),
        serviceAccounts_(collectServiceAccounts(manifests, options.defaultNamespace, report_)),
        levels_(options),
        rbac_(rbac::decodeObjects(manifests)) {}

  LintReport run() {
    for (size_t i = 0; i < manifests_.size(); ++i) {
      const auto& m = manifests_[i];
      if (!evaluated(m)) report_.notEvaluated.push_back(i);
      try {
        kube::validateWorkloadSelector(m);  // the API server refuses the object: nothing of it is judged
        if (exemptNamespace(m)) {
          if (kube::podTemplatePath(m.apiVersion(), m.kind()) || m.kind() == "PersistentVolumeClaim")
            report_.exempt.push_back({i, "namespace " + namespaceOf(m)});
        } else {
          lintPod(i, m, m.pod());
          lintVolumeClaims(i, m, m.pod());
        }
        lintNamespaceLabels(i, m);
        lintRbac(i);
      } catch (const kube::DecodeError& e) {
        reportUndecoded(report_, i, m, e);  // judge the other objects all the same
      }
    }
    // NetworkPolicy findings need every pod and namespace of the input at once.
    for (auto& [index, finding] : netpol::lintNetworkPolicies(manifests_)) add(index, std::move(finding));
    return std::move(report_);
  }

 private:
  void add(size_t index, Finding finding, std::string assumedNamespace = "") {
    report_.results.push_back({index, std::move(finding), std::move(assumedNamespace)});
  }

  // The -n namespace an object without one was judged in, when -n was given.
  std::string assumedNamespace(const kube::Manifest& m) const {
    return options_.namespaceFromFlag && m.namespace_().empty() ? options_.defaultNamespace : "";
  }

  std::string namespaceOf(const kube::Manifest& m) const {
    return m.namespace_().empty() ? options_.defaultNamespace : m.namespace_();
  }

  // The webhook lets everything in an exempt namespace through without Pod Security or kguard rules.
  bool exemptNamespace(const kube::Manifest& m) const {
    const auto& exempt = options_.config.exemptions.namespaces;
    return !exempt.empty() && std::find(exempt.begin(), exempt.end(), namespaceOf(m)) != exempt.end();
  }

  // ...and pods of an exempt RuntimeClass without Pod Security (kguard rules still apply).
  bool exemptRuntimeClass(const kube::PodTemplate& pod) const {
    const auto& exempt = options_.config.exemptions.runtimeClasses;
    return pod.spec.runtimeClassName && std::find(exempt.begin(), exempt.end(), *pod.spec.runtimeClassName) != exempt.end();
  }

  const kube::StringMap* labelsOf(const kube::Manifest& m) const {
    auto it = namespaces_.find(namespaceOf(m));
    return it == namespaces_.end() ? nullptr : &it->second;
  }

  // The automountServiceAccountToken of the pod's ServiceAccount, when the account is in the input.
  const std::optional<bool>* accountAutomountOf(const kube::Manifest& m, const kube::PodTemplate& pod) const {
    auto it = serviceAccounts_.find(namespaceOf(m) + "/" + pod.spec.serviceAccountOrDefault());
    return it == serviceAccounts_.end() ? nullptr : &it->second->automountServiceAccountToken;
  }

  void lintPod(size_t index, const kube::Manifest& m, const kube::DecodedPod& decoded) {
    const kube::PodTemplate* pod = decoded.get();
    if (!pod) return;
    const std::string& prefix = decoded.path();
    const kube::StringMap* nsLabels = labelsOf(m);

    auto policy = levels_.forNamespace(nsLabels);
    podsecurity::PolicyResult result;
    if (exemptRuntimeClass(*pod)) report_.exempt.push_back({index, "runtimeClass " + *pod->spec.runtimeClassName + ", Pod Security only"});
    else result = podsecurity::defaultEvaluator().evaluate(policy, pod->metadata, pod->spec);
    for (const auto& failure : result.failures) {
      Finding f;
      f.check = failure.id;
      f.level = policy.toString();
      f.message = failure.forbiddenReason;
      if (!failure.forbiddenDetail.empty()) f.message += " (" + failure.forbiddenDetail + ")";
      std::string hint = podsecurity::failureHint(failure.id, *pod);
      if (!hint.empty()) f.message += "; " + hint;
      std::string field = podsecurity::failedField(failure.id, *pod, policy.version);
      f.field = kube::fieldInObject(prefix, field);
      add(index, std::move(f), assumedNamespace(m));
    }
    // Offline, no ServiceAccount admission has run: the account's setting decides, not the pod's mounts.
    auto ruleFindings = rules::evaluatePodRules(options_.config.rules, {*pod, nsLabels, accountAutomountOf(m, *pod)});
    if (options_.imageVerifier) {
      // The webhook's budget per object, as one object is one admission request there.
      auto deadline = images::Deadline::in(std::chrono::milliseconds(options_.config.rules.imageVerificationBudgetMs));
      auto signatures = rules::checkImageSignatures(options_.config.rules.imageSignatures, pod->spec,
                                                    *options_.imageVerifier, deadline);
      ruleFindings.insert(ruleFindings.end(), signatures.begin(), signatures.end());
    }
    for (auto& f : ruleFindings) {
      f.field = kube::fieldInObject(prefix, f.field);
      f.enforcement = enforcementFor(options_.config.rulesMode);
      add(index, std::move(f), assumedNamespace(m));
    }
  }

  void lintVolumeClaims(size_t index, const kube::Manifest& m, const kube::DecodedPod& pod) {
    for (auto& f : rules::evaluateVolumeClaims(options_.config.rules, kube::volumeClaims(m.volumeClaims(), pod))) {
      f.enforcement = enforcementFor(options_.config.rulesMode);
      add(index, std::move(f));
    }
  }

  // Upstream's admission refuses to create a Namespace whose pod-security.kubernetes.io labels do not parse
  // (ValidateNamespace: 422 Invalid), whatever the exemptions; on an existing one they silently read as
  // restricted (enforce), privileged (audit, warn) or latest (versions), which lint then applies too.
  void lintNamespaceLabels(size_t index, const kube::Manifest& m) {
    if (!kube::isNamespace(m.object)) return;
    const auto* ns = m.namespaceObject().get();
    if (!ns) return;
    for (const auto& e : podsecurity::policyToEvaluate(ns->labels, {}).errors) {
      Finding f;
      f.check = "podSecurity.invalidLabel";
      f.level = "podSecurity";
      f.message = e.toString();
      f.field = "metadata.labels[\"" + labelKey(e.field) + "\"]";
      add(index, std::move(f));
    }
  }

  // "metadata.labels[pod-security.kubernetes.io/enforce]" -> "pod-security.kubernetes.io/enforce"
  static std::string labelKey(const std::string& field) {
    auto open = field.find('[');
    auto close = field.rfind(']');
    return open == std::string::npos || close == std::string::npos || close < open ? field
                                                                                   : field.substr(open + 1, close - open - 1);
  }

  void lintRbac(size_t index) {
    const auto* object = rbac_.objectOf(index);
    if (!object) return;
    if (!object->error.empty()) {
      report_.errors.push_back(object->error);
      report_.undecoded.insert(index);
      return;
    }
    // What the API server refuses (rbac/validation.h) is reported as such, and not judged further.
    auto refused = object->role ? rbac::validateRole(rbac_.policy.roles[*object->role])
                                : rbac::validateBinding(rbac_.policy.bindings[*object->binding]);
    for (auto& e : refused) {
      Finding f;
      f.check = "rbac.invalid";
      f.level = "rbac";
      f.message = std::move(e.problem);
      f.field = std::move(e.path);
      add(index, std::move(f));
    }
    if (!refused.empty()) return;
    const auto& config = options_.config.rbacGuardrails;
    auto found = object->role ? rbac::checkGuardrails(config, rbac_.policy.roles[*object->role], rbac_.policy)
                              : rbac::checkGuardrails(config, rbac_.policy.bindings[*object->binding], rbac_.policy);
    for (auto& f : found) {
      f.enforcement = enforcementFor(options_.config.rbacMode);
      f.message = withoutIdPrefix(f.check, std::move(f.message));
      add(index, std::move(f));
    }
  }

  const std::vector<kube::Manifest>& manifests_;
  const LintOptions& options_;
  LintReport report_;  // before namespaces_, which records its errors here
  NamespaceLabels namespaces_;
  ServiceAccounts serviceAccounts_;
  LevelChooser levels_;
  rbac::DecodedPolicy rbac_;  // the input's RBAC objects; bindings are judged by what their role grants
};

}  // namespace

bool LintReport::hasViolations() const {
  for (const auto& r : results)
    if (r.finding.enforcement == Enforcement::Error) return true;
  return false;
}

size_t LintReport::judged(size_t manifests) const {
  size_t out = 0;
  for (size_t i = 0; i < manifests; ++i)
    if (!undecoded.count(i) && std::find(notEvaluated.begin(), notEvaluated.end(), i) == notEvaluated.end()) ++out;
  return out;
}

LintReport lintManifests(const std::vector<kube::Manifest>& manifests, const LintOptions& options) {
  return Linter(manifests, options).run();
}

}  // namespace lint
