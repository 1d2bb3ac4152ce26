#include "webhook/admission/pod_security_admission.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "kube/json_reader.h"
#include "kube/manifest.h"
#include "kube/namespace_object.h"
#include "kube/pod_decode.h"
#include "podsecurity/evaluator.h"

namespace admission {
namespace {

using podsecurity::Level;
using podsecurity::LevelVersion;

// Pod subresources that cannot change what a pod runs (upstream ignoredPodSubresources). Every other
// subresource (e.g. ephemeralcontainers, resize) is evaluated, so an unknown one fails safe.
const std::set<std::string> kIgnoredPodSubresources = {"exec", "attach",      "binding", "eviction",
                                                       "log",  "portforward", "proxy",   "status"};

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return !value.empty() && std::find(list.begin(), list.end(), value) != list.end();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool isCoreResource(const AdmissionRequest& r, const char* resource) {
  return r.resource.group.empty() && r.resource.resource == resource;
}

kube::StringMap labelsOf(const nlohmann::json& object) {
  auto ns = kube::decodeNamespace(object);
  return ns ? std::move(ns->labels) : kube::StringMap{};
}

// `violates PodSecurity "restricted:latest": a (x), b` for a denied result.
std::string violation(const LevelVersion& policy, const podsecurity::PolicyResult& result) {
  return podsecurity::forbiddenMessage(policy, result);
}


// The reasons alone ("host namespaces, privileged"), which group existing pods in namespace warnings.
std::string reasonsOnly(const podsecurity::PolicyResult& result) {
  std::vector<std::string> reasons;
  for (const auto& f : result.failures)
    if (std::find(reasons.begin(), reasons.end(), f.forbiddenReason) == reasons.end()) reasons.push_back(f.forbiddenReason);
  std::string out;
  for (const auto& r : reasons) out += (out.empty() ? "" : ", ") + r;
  return out;
}

// Upstream's invalidResponse: `Namespace "name" is invalid: <field errors>`, 422, with details.
AdmissionResponse invalidNamespace(const std::string& name, const PolicyFromLabels& policy) {
  auto response = failureResponse(422, "Invalid", "Namespace \"" + name + "\" is invalid: " + policy.errorText());
  response.result->detailsName = name;
  response.result->detailsKind = "Namespace";
  for (const auto& e : policy.errors) response.result->causes.push_back({"FieldValueInvalid", e.message(), e.field});
  return response;
}

// Upstream's errorResponse for a request that cannot be judged: 400 BadRequest, and the reason also in
// the "error" audit annotation, so that the audit log says why the request was refused.
AdmissionResponse badRequest(const std::string& message) {
  auto response = failureResponse(400, "BadRequest", message);
  response.auditAnnotations["error"] = message;
  return response;
}

std::string namespaceName(const AdmissionRequest& request) {
  return request.name.empty() ? request.namespace_ : request.name;
}

}  // namespace

bool isPodControllerResource(const GroupVersionResource& r) {
  if (r.group.empty()) return r.resource == "replicationcontrollers" || r.resource == "podtemplates";
  if (r.group == "apps")
    return r.resource == "replicasets" || r.resource == "deployments" || r.resource == "statefulsets" ||
           r.resource == "daemonsets";
  if (r.group == "batch") return r.resource == "jobs" || r.resource == "cronjobs";
  return false;
}

PodSecurityAdmission::PodSecurityAdmission(const config::KguardConfig& config, NamespaceGetter& namespaces,
                                           PodLister& pods, webhook::Metrics& metrics)
    : defaults_(config::policyDefaults(config.podSecurityDefaults)),
      exemptions_(config.exemptions),
      enforceOnWorkloads_(config.enforceOnWorkloads),
      namespaces_(namespaces),
      pods_(pods),
      metrics_(metrics) {}

bool PodSecurityAdmission::exemptNamespace(const std::string& ns) const { return contains(exemptions_.namespaces, ns); }
bool PodSecurityAdmission::exemptUser(const std::string& user) const { return contains(exemptions_.usernames, user); }
bool PodSecurityAdmission::exemptRuntimeClass(const std::optional<std::string>& rc) const {
  return rc && contains(exemptions_.runtimeClasses, *rc);
}

void PodSecurityAdmission::recordEvaluation(bool allowed, const LevelVersion& policy, const char* mode,
                                            const AdmissionRequest& r) const {
  metrics_.evaluations.inc({allowed ? "allow" : "deny", podsecurity::toString(policy.level), policy.version.toString(),
                            mode, lower(r.operation), isCoreResource(r, "pods") ? "pod" : "controller", r.subResource});
}

void PodSecurityAdmission::recordError(bool fatal, const AdmissionRequest& r) const {
  metrics_.errors.inc({fatal ? "true" : "false", lower(r.operation), isCoreResource(r, "pods") ? "pod" : "controller",
                       r.subResource});
}

AdmissionResponse PodSecurityAdmission::exemptResponse(const AdmissionRequest& r, const char* why) const {
  metrics_.exemptions.inc({lower(r.operation), isCoreResource(r, "pods") ? "pod" : "controller", r.subResource});
  AdmissionResponse response;
  response.auditAnnotations["exempt"] = why;
  return response;
}

AdmissionResponse PodSecurityAdmission::validate(const AdmissionRequest& request) const {
  RequestNamespace ns(namespaces_, request.namespace_, request.deadline);
  return validate(request, ns);
}

AdmissionResponse PodSecurityAdmission::validate(const AdmissionRequest& request, RequestNamespace& ns) const {
  if (request.operation != "CREATE" && request.operation != "UPDATE") return allowedResponse();
  if (!request.hasObject() || (request.operation == "UPDATE" && !request.hasOldObject()))
    return badRequest("request.object (and request.oldObject for UPDATE) is required");
  try {
    if (isCoreResource(request, "namespaces")) return validateNamespace(request);
    if (isCoreResource(request, "pods")) return validatePod(request, ns);
    if (isPodControllerResource(request.resource)) return validatePodController(request, ns);
  } catch (const kube::DecodeError& e) {
    recordError(true, request);
    return badRequest(std::string("failed to decode object: ") + e.what());
  }
  return allowedResponse();
}

AdmissionResponse PodSecurityAdmission::validateNamespace(const AdmissionRequest& request) const {
  if (!request.subResource.empty()) return allowedResponse();
  const auto labels = labelsOf(*request.object);
  auto next = policyToEvaluate(labels, defaults_);
  const std::string ns = namespaceName(request);
  if (request.operation == "CREATE") {
    if (!next.errors.empty()) return invalidNamespace(ns, next);
    return exemptNamespaceWarning(ns, next.policy, labels);
  }
  auto old = policyToEvaluate(labelsOf(*request.oldObject), defaults_);
  // Invalid labels are refused only when they change, so that fixing another label is never blocked.
  if (!next.errors.empty() && (old.errors.empty() || next.errorText() != old.errorText()))
    return invalidNamespace(ns, next);
  const auto& newEnforce = next.policy.enforce;
  const auto& oldEnforce = old.policy.enforce;
  if (newEnforce.level == oldEnforce.level && newEnforce.version == oldEnforce.version) return allowedResponse();
  if (newEnforce.level == Level::Privileged) return allowedResponse();
  // Same version and a relaxed (or equal) level cannot refuse a pod that was allowed before.
  if (newEnforce.version == oldEnforce.version && static_cast<int>(newEnforce.level) <= static_cast<int>(oldEnforce.level))
    return allowedResponse();
  if (exemptNamespace(ns)) return exemptNamespaceWarning(ns, next.policy, labels);
  AdmissionResponse response;
  response.warnings = evaluatePodsInNamespace(ns, newEnforce, budgetWithin(namespacePodCheckTimeout_, request));
  return response;
}

// Labels on an exempt namespace do nothing; say so (upstream's exemptNamespaceWarning), naming in the
// order enforce, audit, warn each mode that is not privileged and has its level or version label set.
// No warning when the policy is the default anyway.
AdmissionResponse PodSecurityAdmission::exemptNamespaceWarning(const std::string& ns, const NamespacePolicy& policy,
                                                               const kube::StringMap& labels) const {
  AdmissionResponse response;
  if (!exemptNamespace(ns) || policy.fullyPrivileged()) return response;
  if (equivalent(policy.enforce, defaults_.enforce) && equivalent(policy.audit, defaults_.audit) &&
      equivalent(policy.warn, defaults_.warn))
    return response;
  std::string modes;
  auto add = [&](const std::string& mode, const LevelVersion& lv) {
    const std::string label = "pod-security.kubernetes.io/" + mode;
    if (lv.level == Level::Privileged || (!labels.count(label) && !labels.count(label + "-version"))) return;
    modes += (modes.empty() ? "" : ", ") + mode + "=" + lv.toString();
  };
  add("enforce", policy.enforce);
  add("audit", policy.audit);
  add("warn", policy.warn);
  // Upstream warns even when no labelled mode is left to name ("the policy () will be ignored").
  response.warnings.push_back("namespace \"" + ns + "\" is exempt from Pod Security, and the policy (" + modes +
                              ") will be ignored");
  return response;
}

AdmissionResponse PodSecurityAdmission::validatePod(const AdmissionRequest& request,
                                                    RequestNamespace& requestNamespace) const {
  if (kIgnoredPodSubresources.count(request.subResource)) return allowedResponse();
  if (exemptNamespace(request.namespace_)) return exemptResponse(request, "namespace");
  if (exemptUser(request.username)) return exemptResponse(request, "user");

  const auto& ns = requestNamespace.get();
  if (!ns.ok) {
    recordError(true, request);
    // Upstream's errorResponse: the status message, and in the audit annotation that message with the cause.
    auto response = failureResponse(500, "InternalError",
                                    "Internal error occurred: failed to lookup namespace \"" + request.namespace_ + "\"");
    response.auditAnnotations["error"] = response.result->message + ": " + ns.error;
    return response;
  }
  auto policy = policyToEvaluate(ns.labels, defaults_);
  if (policy.errors.empty() && policy.policy.fullyPrivileged()) {
    recordEvaluation(true, policy.policy.enforce, "enforce", request);
    AdmissionResponse response;
    response.auditAnnotations["enforce-policy"] = LevelVersion{Level::Privileged, podsecurity::Version::latest()}.toString();
    return response;
  }

  const kube::PodTemplate* pod = nullptr;
  const kube::PodTemplate* oldPod = nullptr;
  try {
    pod = request.pod.get();
    if (request.operation == "UPDATE") oldPod = request.oldPod.get();
  } catch (const kube::DecodeError& e) {
    recordError(true, request);
    return badRequest(std::string("failed to decode pod: ") + e.what());
  }
  if (!pod) {
    recordError(true, request);
    return badRequest("failed to decode pod");
  }
  if (request.operation == "UPDATE") {
    if (!oldPod) {
      recordError(true, request);
      return badRequest("failed to decode old pod");
    }
    if (!isSignificantPodUpdate(*pod, *oldPod)) return allowedResponse();
  }
  return evaluatePod(policy.policy, policy.errors.empty() ? "" : policy.errorText(), *pod, request, true);
}

AdmissionResponse PodSecurityAdmission::validatePodController(const AdmissionRequest& request,
                                                              RequestNamespace& requestNamespace) const {
  if (!request.subResource.empty()) return allowedResponse();
  if (exemptNamespace(request.namespace_)) return exemptResponse(request, "namespace");
  if (exemptUser(request.username)) return exemptResponse(request, "user");

  // Upstream fails open for workloads (the pods they create are checked again); kguard's
  // enforceOnWorkloads fails closed like pods. Either way the workload went unjudged: a fatal error in
  // pod_security_errors_total, as upstream's ValidatePodController records it (RecordError(true, ...)).
  auto failOpen = [&](const std::string& error) {
    recordError(true, request);
    if (enforceOnWorkloads_) return badRequest(error);
    AdmissionResponse response;
    response.auditAnnotations["error"] = error;
    return response;
  };
  const auto& ns = requestNamespace.get();
  if (!ns.ok) return failOpen("failed to lookup namespace \"" + request.namespace_ + "\": " + ns.error);
  auto policy = policyToEvaluate(ns.labels, defaults_);
  const auto& p = policy.policy;
  if (policy.errors.empty() && p.warn.level == Level::Privileged && p.audit.level == Level::Privileged &&
      (!enforceOnWorkloads_ || p.enforce.level == Level::Privileged))
    return allowedResponse();

  const kube::PodTemplate* pod = nullptr;
  try {
    pod = request.pod.get();
  } catch (const kube::DecodeError& e) {
    return failOpen(std::string("failed to extract pod template: ") + e.what());
  }
  if (!pod) return allowedResponse();  // a controller without a template has nothing to check
  // Enforcing only when the template changes keeps scaling an old ReplicaSet, relabelling, and removing
  // finalizers possible: the controllers and the garbage collector depend on those updates.
  const bool enforce = enforceOnWorkloads_ && changesWhatRuns(request);
  return evaluatePod(p, policy.errors.empty() ? "" : policy.errorText(), *pod, request, enforce);
}

AdmissionResponse PodSecurityAdmission::evaluatePod(const NamespacePolicy& policy, const std::string& policyError,
                                                    const kube::PodTemplate& pod, const AdmissionRequest& request,
                                                    bool enforce) const {
  if (exemptRuntimeClass(pod.spec.runtimeClassName)) return exemptResponse(request, "runtimeClass");
  const auto& evaluator = podsecurity::defaultEvaluator();
  AdmissionResponse response;
  if (!policyError.empty()) {
    response.auditAnnotations["error"] = "Failed to parse policy: " + policyError;
    recordError(false, request);
  }
  // Results are reused when audit or warn name the same level and version as an earlier mode.
  std::vector<std::pair<LevelVersion, podsecurity::PolicyResult>> cache;
  cache.reserve(3);  // enforce, audit, warn: one allocation
  auto evaluate = [&](const LevelVersion& lv) -> const podsecurity::PolicyResult& {
    for (const auto& [cachedLv, result] : cache)
      if (equivalent(cachedLv, lv)) return result;
    cache.emplace_back(lv, evaluator.evaluate(lv, pod.metadata, pod.spec));
    return cache.back().second;
  };
  if (enforce) {
    response.auditAnnotations["enforce-policy"] = policy.enforce.toString();
    const auto& result = evaluate(policy.enforce);
    recordEvaluation(result.allowed, policy.enforce, "enforce", request);
    if (!result.allowed) {
      auto denial = forbiddenResponse(request, violation(policy.enforce, result));
      denial.auditAnnotations = response.auditAnnotations;
      response = std::move(denial);
    }
  }
  const auto audit = evaluate(policy.audit);  // a copy: the cache may grow below
  if (!audit.allowed) {
    response.auditAnnotations["audit-violations"] = podsecurity::warningMessage(policy.audit, audit);
    recordEvaluation(false, policy.audit, "audit", request);
  }
  // No warnings on a request that is refused anyway: the error already says it all.
  if (response.allowed) {
    const auto warn = evaluate(policy.warn);
    if (!warn.allowed) {
      response.warnings.push_back(podsecurity::warningMessage(policy.warn, warn));
      recordEvaluation(false, policy.warn, "warn", request);
    }
  }
  return response;
}

// Upstream's prioritizePods: pods of an exempt runtime class are left out (and not counted), and the
// first pod of each controller comes before the other pods of the same controller, so that the pod
// cap and the timeout cut replicas rather than distinct workloads.
std::vector<const kube::PodTemplate*> PodSecurityAdmission::podsToCheck(const PodList& list) const {
  std::vector<const kube::PodTemplate*> first, replicas;
  std::set<std::string> seenControllers;
  for (size_t i = 0; i < list.pods.size(); ++i) {
    const auto& pod = list.pods[i];
    if (exemptRuntimeClass(pod.spec.runtimeClassName)) continue;
    const std::string* controller = i < list.controllerUids.size() ? &list.controllerUids[i] : nullptr;
    if (!controller || controller->empty() || seenControllers.insert(*controller).second) first.push_back(&pod);
    else replicas.push_back(&pod);
  }
  first.insert(first.end(), replicas.begin(), replicas.end());
  return first;
}

// The listing and the checks share one budget, as upstream's EvaluatePodsInNamespace (its own limit, and
// at most half the time the request has left: budgetWithin), so that the answer, with upstream's warning
// about the pods left unchecked, arrives in time.
std::vector<std::string> PodSecurityAdmission::evaluatePodsInNamespace(const std::string& ns, const LevelVersion& enforce,
                                                                        std::chrono::milliseconds budget) const {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  auto list = pods_.listPods(ns, budget);
  if (!list.ok) return {"failed to list pods while checking new PodSecurity enforce level"};
  const auto& evaluator = podsecurity::defaultEvaluator();
  struct Group {
    std::string firstPod;
    size_t count = 0;
  };
  std::map<std::string, Group> byReasons;
  const auto pods = podsToCheck(list);
  const size_t total = pods.size();
  size_t checked = 0;
  for (const kube::PodTemplate* pod : pods) {
    if (checked >= namespaceMaxPodsToCheck_) break;
    ++checked;
    auto result = evaluator.evaluate(enforce, pod->metadata, pod->spec);
    if (!result.allowed) {
      auto& g = byReasons[reasonsOnly(result)];
      if (g.count == 0 || pod->metadata.name < g.firstPod) g.firstPod = pod->metadata.name;
      ++g.count;
    }
    if (std::chrono::steady_clock::now() > deadline) break;
  }
  std::vector<std::string> warnings;
  if (checked < total)
    warnings.push_back("new PodSecurity enforce level only checked against the first " + std::to_string(checked) +
                       " of " + std::to_string(total) + " existing pods");
  if (!byReasons.empty())
    warnings.push_back("existing pods in namespace \"" + ns + "\" violate the new PodSecurity enforce level \"" +
                       enforce.toString() + "\"");
  std::vector<std::string> podWarnings;
  for (const auto& [reasons, g] : byReasons) {
    std::string who = g.firstPod;
    if (g.count == 2) who += " (and 1 other pod)";
    if (g.count > 2) who += " (and " + std::to_string(g.count - 1) + " other pods)";
    podWarnings.push_back(who + ": " + reasons);
  }
  std::sort(podWarnings.begin(), podWarnings.end());
  warnings.insert(warnings.end(), podWarnings.begin(), podWarnings.end());
  return warnings;
}

AdmissionResponse forbiddenResponse(const AdmissionRequest& request, const std::string& why) {
  auto response = failureResponse(403, "Forbidden", forbiddenMessage(request.resource, request.name, why));
  response.result->detailsName = request.name;
  response.result->detailsGroup = request.resource.group;
  response.result->detailsKind = request.resource.resource;
  return response;
}

bool changesWhatRuns(const AdmissionRequest& request) {
  if (request.operation != "UPDATE") return true;
  if (!request.hasObject() || !request.hasOldObject()) return true;
  if (request.readFast()) return isSignificantPodUpdate(*request.pod.get(), *request.oldPod.get());
  if (!request.object || !request.oldObject) return true;
  const std::string kind = request.object->value("kind", "");
  auto path = kube::podTemplatePath(request.object->value("apiVersion", ""), kind);
  if (!path) {  // e.g. a PersistentVolumeClaim: only its spec says what it provisions
    return request.object->value("spec", nlohmann::json()) != request.oldObject->value("spec", nlohmann::json());
  }
  if (path->empty()) {  // a Pod
    auto pod = request.pod.get();
    auto oldPod = request.oldPod.get();
    return !pod || !oldPod || isSignificantPodUpdate(*pod, *oldPod);
  }
  auto now = kube::JsonReader(*request.object, "").at(*path);
  auto before = kube::JsonReader(*request.oldObject, "").at(*path);
  if (!now || !before) return static_cast<bool>(now) != static_cast<bool>(before);
  return now->value() != before->value();
}

std::string forbiddenMessage(const GroupVersionResource& resource, const std::string& name, const std::string& why) {
  std::string qualified = resource.group.empty() ? resource.resource : resource.resource + "." + resource.group;
  if (qualified.empty()) return "forbidden: " + why;
  if (name.empty()) return qualified + " is forbidden: " + why;
  return qualified + " \"" + name + "\" is forbidden: " + why;
}

}  // namespace admission
