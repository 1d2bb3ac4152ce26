#pragma once
// The hot path of the webhook: an AdmissionReview of a Pod CREATE or UPDATE read with simdjson straight
// into the typed request and decoded pods (AdmissionRequest::pod), without building a JSON tree, for
// Pod Security and kguard's rules alike.
// Anything else, and anything unusual (a wrong type, a float quantity, an error of any kind), returns
// nullopt and the caller takes the nlohmann path, which words every error: both paths give the same
// answer for every input, and this one only ever answers the well-formed common case.
#include <optional>
#include <string>

#include "webhook/admission_review.h"

namespace webhook {

std::optional<ParsedReview> readPodReviewFast(const std::string& body);

}  // namespace webhook
