#pragma once
// resource.Quantity as the API server reads one (k8s.io/apimachinery/pkg/api/resource, ParseQuantity
// after UnmarshalJSON trims the surrounding spaces): "500m", "1Gi", "1e3", ".5", even "m" (zero).
#include <string_view>

namespace kube {

// nullptr when the API server accepts `text` as a quantity; else the error it gives, in its words.
// Checks only: no allocation (the webhook runs it on every limit and request it admits).
const char* quantityError(std::string_view text);

}  // namespace kube
