#include "webhook/admission/validator.h"

#include <cstring>
#include <iterator>

#include <nlohmann/json.hpp>

#include "kube/json_reader.h"
#include "kube/volume_claims.h"
#include "rbac/guardrails.h"
#include "rbac/policy_decode.h"
#include "rules/image_signatures.h"
#include "rules/rule_registry.h"

namespace admission {
namespace {

void append(std::vector<findings::Finding>& to, std::vector<findings::Finding>&& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

Validator::Validator(const config::KguardConfig& config, NamespaceGetter& namespaces, PodLister& pods,
                     webhook::Metrics& metrics, RoleGetter* roles)
    : config_(config), namespaces_(namespaces), roles_(roles), metrics_(metrics), podSecurity_(config, namespaces, pods, metrics) {
  if (config_.rules.imageSignatures.empty()) return;
  registries_ = std::make_unique<images::RegistryClients>(config_.registries);
  images::CosignVerifier verifier([clients = registries_.get()](const std::string& host) { return clients->forHost(host); });
  imageVerifier_ = std::make_unique<images::VerificationCache>(std::move(verifier),
                                                               images::VerificationCache::kDefaultCapacity, &metrics_.imageVerification);
}

Validator::~Validator() = default;

Triage Validator::triage(const AdmissionRequest& request) const {
  Triage out;
  const bool writesObject = request.operation == "CREATE" || request.operation == "UPDATE";
  // An image of the object not verified before (or named by tag, resolved on every admission) means
  // registry round trips.
  if (imageVerifier_ && writesObject && request.pod.get())  // decoded on either path, fast or not
    out.images = rules::imageSignaturesInMemory(config_.rules.imageSignatures, request.pod.get()->spec, *imageVerifier_);
  // A namespace update may list the namespace's pods. A binding's role may be read from the API server
  // (one not in the role cache). Only Pod Security's pod and workload checks and the sandboxedRuntime
  // rule read the request's namespace: other objects (a ClusterRole, a Node, a ConfigMap) never wait on
  // a namespace lookup, so they are answered on the event loop whatever their namespace.
  const auto& resource = request.resource;
  const bool binding = roles_ && resource.group == "rbac.authorization.k8s.io" &&
                       (resource.resource == "rolebindings" || resource.resource == "clusterrolebindings");
  const bool namespaceUpdate = resource.group.empty() && resource.resource == "namespaces" && request.operation == "UPDATE";
  const bool readsNamespace = (resource.group.empty() && resource.resource == "pods") ||
                              isPodControllerResource(resource) || request.pod.decoded();
  // An aggregationRule is judged by recomputing aggregation over every cached ClusterRole: milliseconds
  // in a large cluster, which the event loop's other requests must not wait for.
  const bool aggregating = roles_ && resource.group == "rbac.authorization.k8s.io" && resource.resource == "clusterroles" &&
                           request.object && request.object->is_object() && request.object->contains("aggregationRule");
  out.mayBlock = binding || aggregating || namespaceUpdate ||
                 (readsNamespace && !namespaces_.hasCached(request.namespace_)) || (out.images && out.images->needsRegistry);
  return out;
}

AdmissionResponse Validator::validate(const AdmissionRequest& request, const Triage& triage) const {
  RequestNamespace ns(namespaces_, request.namespace_, request.deadline);
  AdmissionResponse response = podSecurity_.validate(request, ns);
  if (!response.allowed) return response;
  applyKguardRules(request, triage, ns, response);
  if (response.allowed) applyRbacGuardrails(request, response);
  return response;
}

// kguard's own rules, in the same modes as Pod Security: pods and volume claims are refused in enforce
// mode, workloads only when enforceOnWorkloads is set; everything else gets warnings.
void Validator::applyKguardRules(const AdmissionRequest& request, const Triage& triage,
                                 RequestNamespace& requestNamespace, AdmissionResponse& response) const {
  if (!config_.rules.anyEnabled()) return;
  if (request.operation != "CREATE" && request.operation != "UPDATE") return;
  if (!request.subResource.empty() && request.subResource != "ephemeralcontainers") return;
  if (podSecurity_.exemptNamespace(request.namespace_) || podSecurity_.exemptUser(request.username)) return;
  // Updates that cannot change what runs (labels, finalizers, scale; a claim's class is immutable) are
  // not judged again: refusing them would strand objects the cluster must still manage.
  if (!changesWhatRuns(request)) return;
  const bool isPod = request.resource.group.empty() && request.resource.resource == "pods";
  const bool isClaim = request.resource.group.empty() && request.resource.resource == "persistentvolumeclaims";
  std::vector<findings::Finding> findings;
  try {
    const kube::PodTemplate* pod = request.pod.get();
    if (pod) {
      const NamespaceLookup* ns = config_.rules.sandboxedRuntime ? &requestNamespace.get() : nullptr;
      // A Pod reaches validating webhooks after the ServiceAccount admission plugin has mounted its token
      // (or not); a workload's template is not mutated, so its ServiceAccount stays unknown here.
      findings = rules::evaluatePodRules(config_.rules, {*pod, ns && ns->ok ? &ns->labels : nullptr, nullptr, isPod});
      if (imageVerifier_ && triage.images && triage.images->allVerified) {
        imageVerifier_->countHits(triage.images->hits);  // the event loop's lookups were the rule's
      } else if (imageVerifier_) {
        auto deadline = images::Deadline::in(
            budgetWithin(std::chrono::milliseconds(config_.rules.imageVerificationBudgetMs), request));
        append(findings, rules::checkImageSignatures(config_.rules.imageSignatures, pod->spec, *imageVerifier_, deadline));
      }
    }
    append(findings, rules::evaluateVolumeClaims(config_.rules, kube::volumeClaims(request.objectClaims, request.pod)));
  } catch (const kube::DecodeError& e) {
    response.auditAnnotations["error"] = std::string("kguard rules: failed to decode object: ") + e.what();
    return;
  }
  const bool enforce = config_.rulesMode == config::Mode::Enforce &&
                       (isPod || isClaim || podSecurity_.enforcesWorkloads());
  report(request, findings, enforce, "kguard rules", response);
}

// RBAC guardrails on Role, ClusterRole, RoleBinding and ClusterRoleBinding writes.
void Validator::applyRbacGuardrails(const AdmissionRequest& request, AdmissionResponse& response) const {
  if (request.resource.group != "rbac.authorization.k8s.io" || !request.subResource.empty()) return;
  if (request.operation != "CREATE" && request.operation != "UPDATE") return;
  if (podSecurity_.exemptUser(request.username)) return;
  if (!request.object) return;  // only pods are read without a JSON tree
  // An update that leaves what the guardrails judge unchanged (a finalizer removed, a label or an owner
  // added) is not judged again: refusing it would strand an object admitted before the guardrails or
  // under warn mode, blocking its deletion and the garbage collector. Upstream skips such updates too:
  // Pod Security those that are not significant (isSignificantPodUpdate), the API server's RBAC
  // escalation check those that only change GC fields (pkg/registry/rbac IsOnlyMutatingGCFields).
  if (request.operation == "UPDATE" && request.oldObject &&
      !rbac::changesGuardedFields(*request.object, *request.oldObject))
    return;
  std::vector<findings::Finding> findings;
  try {
    auto kind = rbac::rbacKindOf(*request.object);
    const bool binding = kind == rbac::RbacKind::RoleBinding || kind == rbac::RbacKind::ClusterRoleBinding;
    const bool role = kind == rbac::RbacKind::Role || kind == rbac::RbacKind::ClusterRole;
    if (binding && roles_) findings = checkBinding(*request.object, request.deadline, response);
    else if (role && roles_) findings = checkRole(*request.object);
    else findings = rbac::checkGuardrails(config_.rbacGuardrails, *request.object);
  } catch (const kube::DecodeError& e) {
    response = failureResponse(400, "BadRequest", std::string("failed to decode RBAC object: ") + e.what());
    response.auditAnnotations["error"] = response.result->message;  // as Pod Security's errorResponse
    return;
  }
  report(request, findings, config_.rbacMode == config::Mode::Enforce, "kguard RBAC guardrails", response);
}

// The API server admits a binding to a role that does not exist (yet): the role's own guardrails judge
// it when it is created, but not who it is then bound to, so the binding is admitted with a warning.
// A role that cannot be read is judged as the built-in role of that name, if any, with a warning.
std::vector<findings::Finding> Validator::checkBinding(const nlohmann::json& object, Deadline deadline,
                                                      AdmissionResponse& response) const {
  const rbac::Binding binding = rbac::decodeBinding(object);
  const rbac::RoleRef& ref = binding.roleRef;
  // Validation refuses a ClusterRoleBinding to a Role, and any other kind, before validating webhooks.
  if (ref.kind != "ClusterRole" && (ref.kind != "Role" || binding.clusterScoped))
    return rbac::checkBindingWithRole(config_.rbacGuardrails, binding, std::nullopt);
  const std::string role = ref.kind == "Role" ? "Role " + binding.namespace_ + "/" + ref.name : "ClusterRole " + ref.name;
  RoleLookup lookup = roles_->getRole(ref.kind, binding.namespace_, ref.name, deadline);
  switch (lookup.status) {
    case RoleLookup::Status::Found:
      return rbac::checkBindingWithRole(config_.rbacGuardrails, binding, lookup.role);
    case RoleLookup::Status::NotFound:
      response.warnings.push_back("kguard RBAC guardrails: " + binding.describe() + " refers to " + role +
                                  ", which does not exist: what it grants was not checked (the role's own rules are "
                                  "checked when it is created, not who this binding gives it to)");
      return rbac::checkBindingWithRole(config_.rbacGuardrails, binding, std::nullopt);
    case RoleLookup::Status::Failed:
      break;
  }
  response.warnings.push_back("kguard RBAC guardrails: could not read " + role + " of " + binding.describe() + " (" +
                              lookup.error + "): judged as the built-in role of that name, if there is one");
  return rbac::checkGuardrails(config_.rbacGuardrails, binding);
}

// A ClusterRole's aggregationRule gives it the rules of the ClusterRoles it selects, as the API server's
// clusterrole aggregation controller writes them (pkg/controller/clusterroleaggregation): the ones in
// the cluster, custom ones included, not only the built-in ones.
std::vector<findings::Finding> Validator::checkRole(const nlohmann::json& object) const {
  const rbac::Role role = rbac::decodeRole(object);
  if (!role.aggregationSelectors) return rbac::checkGuardrails(config_.rbacGuardrails, role);
  return rbac::checkGuardrails(config_.rbacGuardrails, role, roles_->storedClusterRoles());
}

void Validator::report(const AdmissionRequest& request, const std::vector<findings::Finding>& findings, bool enforce,
                       const char* what, AdmissionResponse& response) const {
  if (findings.empty()) return;
  // "violates <what>: <check> (<message>), <check> (<message>)", built in place: it is sent on every
  // request that breaks a rule in warn mode.
  const char* lead = enforce ? "violates " : "would violate ";
  size_t size = std::strlen(lead) + std::strlen(what) + 2;
  for (const auto& f : findings) size += 2 + f.check.size() + 2 + f.message.size() + 1;
  std::string text;
  text.reserve(size);  // one allocation
  text.append(lead).append(what).append(": ");
  for (size_t i = 0; i < findings.size(); ++i) {
    const auto& f = findings[i];
    text.append(i ? ", " : "").append(f.check).append(" (").append(f.message).append(")");
    metrics_.kguardRuleViolations.inc({f.check, enforce ? "enforce" : "warn"});
  }
  if (enforce) {
    auto annotations = std::move(response.auditAnnotations);
    response = forbiddenResponse(request, text);
    response.auditAnnotations = std::move(annotations);
    return;
  }
  response.warnings.push_back(std::move(text));
}

}  // namespace admission
