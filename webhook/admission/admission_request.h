#pragma once
// AdmissionReview request and response, typed (admission.k8s.io/v1; v1beta1 has the same fields).
// The object JSON stays owned by the parsed review; the request only points into it.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/pod_decode.h"
#include "kube/volume_claims.h"
#include "webhook/admission/deadline.h"

namespace admission {

struct GroupVersionResource {
  std::string group, version, resource;
};

struct AdmissionRequest {
  std::string uid;
  std::string kind;  // request.kind.kind, e.g. "Pod", "Deployment"
  GroupVersionResource resource;
  std::string subResource;
  std::string name;
  std::string namespace_;
  std::string operation;  // CREATE, UPDATE, DELETE, CONNECT
  std::string username;
  std::vector<std::string> groups;
  bool dryRun = false;
  // When the webhook's own waits must end (deadline.h): the API server's ?timeout= (the webhook
  // configuration's timeoutSeconds) from when the request arrived, less a margin for the answer.
  Deadline deadline = kNoDeadline;
  // The objects' JSON, null for DELETE/CONNECT (object) and CREATE (oldObject), and null for a Pod
  // CREATE/UPDATE read by the webhook's fast path (webhook/fast_review.h), which builds no JSON tree.
  const nlohmann::json* object = nullptr;
  const nlohmann::json* oldObject = nullptr;
  // The pods the objects carry (a Pod, a workload's template), decoded once when the review was read:
  // every check and rule reads these, on either path.
  kube::DecodedPod pod;
  kube::DecodedPod oldPod;
  // The claims the object makes itself (a PersistentVolumeClaim, a StatefulSet's volumeClaimTemplates),
  // decoded with it; get() is nullptr on the fast path (a Pod makes none but its pod's).
  kube::DecodedClaims objectClaims;

  // Read by the fast path: Pods, decoded, without JSON.
  bool readFast() const { return !object && pod.decoded(); }
  bool hasObject() const { return object || pod.decoded(); }
  bool hasOldObject() const { return oldObject || oldPod.decoded(); }
};

// metav1.Status of a refusal.
struct Status {
  int code = 403;
  std::string reason = "Forbidden";
  std::string message;
  // status.details, which kubectl uses to word the error ("The Namespace "x" is invalid: <causes>").
  std::string detailsName, detailsGroup, detailsKind;
  struct Cause {
    std::string type, message, field;  // e.g. FieldValueInvalid
  };
  std::vector<Cause> causes;
};

struct AdmissionResponse {
  bool allowed = true;
  std::optional<Status> result;
  std::vector<std::string> warnings;
  std::map<std::string, std::string> auditAnnotations;
};

// How long one of the webhook's own waits may take: at most `limit`, and at most half the time left
// before the request's deadline (upstream's EvaluatePodsInNamespace: "don't take more than half the
// remaining time"); never negative.
inline std::chrono::milliseconds budgetWithin(std::chrono::milliseconds limit, const AdmissionRequest& request) {
  if (request.deadline == kNoDeadline) return limit;
  auto half = std::chrono::duration_cast<std::chrono::milliseconds>(request.deadline - std::chrono::steady_clock::now()) / 2;
  return std::max(std::chrono::milliseconds(0), std::min(limit, half));
}

inline AdmissionResponse allowedResponse() { return {}; }

inline AdmissionResponse failureResponse(int code, std::string reason, std::string message) {
  AdmissionResponse r;
  r.allowed = false;
  r.result = Status{code, std::move(reason), std::move(message), {}, {}, {}, {}};
  return r;
}

// The API server's NewForbidden wording: `pods "name" is forbidden: <why>` ("deployments.apps" for groups).
std::string forbiddenMessage(const GroupVersionResource& resource, const std::string& name, const std::string& why);

// A 403 Forbidden refusal with the API server's wording and status details.
AdmissionResponse forbiddenResponse(const AdmissionRequest& request, const std::string& why);

// True when an UPDATE can change what runs: for pods upstream's isSignificantPodUpdate, for workloads a
// changed pod template. CREATE is always a change. Scaling, relabelling or removing a finalizer is not,
// so enforcing rules never blocks the controllers and garbage collector that do those.
bool changesWhatRuns(const AdmissionRequest& request);

}  // namespace admission
