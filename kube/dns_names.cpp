#include "kube/dns_names.h"

namespace kube {
namespace {

bool lowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One label's characters, without its length limit (a subdomain's labels have none of their own).
bool labelChars(const std::string& s, size_t first, size_t last) {
  if (first >= last || !lowerAlnum(s[first]) || !lowerAlnum(s[last - 1])) return false;
  for (size_t i = first; i < last; ++i)
    if (!lowerAlnum(s[i]) && s[i] != '-') return false;
  return true;
}

// dns1123SubdomainFmt's regex: dot-separated labels, whatever the length.
bool subdomainChars(const std::string& s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    size_t end = dot == std::string::npos ? s.size() : dot;
    if (!labelChars(s, start, end)) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

bool isDns1123Label(const std::string& s) { return s.size() <= 63 && labelChars(s, 0, s.size()); }

bool isDns1123Subdomain(const std::string& s) { return s.size() <= 253 && subdomainChars(s); }

std::vector<std::string> dns1123SubdomainProblems(const std::string& s) {
  std::vector<std::string> out;
  if (s.size() > 253) out.push_back("must be no more than 253 characters");
  if (!subdomainChars(s))
    out.push_back(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  return out;
}

}  // namespace kube
