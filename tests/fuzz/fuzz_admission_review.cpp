// The AdmissionReview reader: the simdjson fast path for Pod reviews and the nlohmann path, which must
// agree on whether a body is usable; then rendering an answer for what was read.
#include <cstdint>
#include <string>

#include "webhook/admission_review.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  webhook::ReviewParseResult fast = webhook::parseAdmissionReview(body, true);
  webhook::ReviewParseResult tree = webhook::parseAdmissionReview(body, false);
  if (fast.ok != tree.ok) __builtin_trap();  // both paths answer every input the same way
  if (tree.ok) {
    auto response = admission::failureResponse(403, "Forbidden", tree.review.request.name);
    response.warnings.push_back(tree.review.request.namespace_);
    webhook::renderAdmissionReview(tree.review.apiVersion, tree.review.request.uid, response);
    webhook::renderAdmissionReviewTree(tree.review.apiVersion, tree.review.request.uid, response);
  }
  return 0;
}
