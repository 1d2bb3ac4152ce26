#pragma once
// Label keys and values as the API server validates them (k8s.io/apimachinery/pkg/util/validation:
// IsQualifiedName, IsValidLabelValue; metav1validation.ValidateLabels and ValidateLabelSelector use them).
// Each returns the problem in upstream's words, or "" when valid.
#include <string>

#include "kube/object_meta.h"

namespace kube {

// A key: NAME or PREFIX/NAME; NAME <= 63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric,
// PREFIX a lowercase RFC 1123 DNS subdomain (<= 253 characters).
std::string labelKeyProblem(const std::string& key);
// A value: empty, or <= 63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric.
std::string labelValueProblem(const std::string& value);
// `Invalid value: "a b": name part must ...`, as field.Invalid prints it.
std::string invalidValue(const std::string& value, const std::string& problem);
// ValidateLabels: throws DecodeError at `path["KEY"]` for the first invalid key or value.
void validateLabels(const StringMap& labels, const std::string& path);

}  // namespace kube
