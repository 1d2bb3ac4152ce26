#pragma once
// The AdmissionReview wire format (admission.k8s.io/v1 and v1beta1): untrusted JSON in, a typed
// request out, and the response rendered in the same version with the same uid.
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "webhook/admission/admission_request.h"

namespace webhook {

struct ParsedReview {
  std::shared_ptr<const nlohmann::json> document;  // owns what request.object points into (null on the fast path)
  std::string apiVersion;
  admission::AdmissionRequest request;
};

struct ReviewParseResult {
  bool ok = false;
  std::string error;  // why the body is not a usable AdmissionReview (answered with HTTP 400)
  ParsedReview review;
};

// The request typed and the pods its objects carry decoded (AdmissionRequest::pod), once. `fastPods`
// (what the server does): Pod CREATE/UPDATE reviews are read with webhook/fast_review.h, no JSON tree;
// every other body, and every body when false, takes the nlohmann path: the second reader that the
// differential tests and the fuzzer hold the fast path to.
ReviewParseResult parseAdmissionReview(const std::string& body, bool fastPods = false);

std::string renderAdmissionReview(const std::string& apiVersion, const std::string& uid,
                                  const admission::AdmissionResponse& response);
// The same through a nlohmann tree: the reference the direct writer is tested against, and its fallback
// for non-ASCII strings.
std::string renderAdmissionReviewTree(const std::string& apiVersion, const std::string& uid,
                                      const admission::AdmissionResponse& response);

}  // namespace webhook
