#pragma once
// RFC 1123 names as apimachinery's validation checks them (k8s.io/apimachinery/pkg/util/validation):
// a label is what namespace names must be, a subdomain what most object names (service accounts among
// them) and label-key prefixes must be.
#include <string>
#include <vector>

namespace kube {

// IsDNS1123Label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
bool isDns1123Label(const std::string& s);
// IsDNS1123Subdomain: dot-separated such labels, at most 253 characters in all.
bool isDns1123Subdomain(const std::string& s);
// What IsDNS1123Subdomain returns for `s`, in its words ("must be no more than 253 characters", "a lowercase
// RFC 1123 subdomain must consist of ..."); empty when `s` is one.
std::vector<std::string> dns1123SubdomainProblems(const std::string& s);

}  // namespace kube
