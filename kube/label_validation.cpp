#include "kube/label_validation.h"

#include <nlohmann/json.hpp>

#include "kube/decode_error.h"
#include "kube/dns_names.h"

namespace kube {
namespace {

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]: qnameCharFmt / qnameExtCharFmt.
bool isNamePart(const std::string& s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

const char* kNameRule =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

}  // namespace

std::string labelKeyProblem(const std::string& key) {
  auto slash = key.find('/');
  if (slash != std::string::npos && key.find('/', slash + 1) != std::string::npos)
    return std::string("a qualified name ") + kNameRule +
           " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
  std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
  if (slash != std::string::npos) {
    std::string prefix = key.substr(0, slash);
    if (prefix.empty()) return "prefix part must be non-empty";
    if (prefix.size() > 253) return "prefix part must be no more than 253 characters";
    if (auto problems = dns1123SubdomainProblems(prefix); !problems.empty()) return "prefix part " + problems.front();
  }
  if (name.empty()) return "name part must be non-empty";
  if (name.size() > 63) return "name part must be no more than 63 characters";
  if (!isNamePart(name)) return std::string("name part ") + kNameRule;
  return "";
}

std::string labelValueProblem(const std::string& value) {
  if (value.size() > 63) return "must be no more than 63 characters";
  if (!value.empty() && !isNamePart(value))
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
           "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
           "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  return "";
}

std::string invalidValue(const std::string& value, const std::string& problem) {
  return "Invalid value: " + nlohmann::json(value).dump() + ": " + problem;
}

void validateLabels(const StringMap& labels, const std::string& path) {
  for (const auto& [key, value] : labels) {
    std::string field = path + "[" + nlohmann::json(key).dump() + "]";
    std::string keyProblem = labelKeyProblem(key), valueProblem = labelValueProblem(value);
    if (!keyProblem.empty()) throw DecodeError(field, invalidValue(key, keyProblem));
    if (!valueProblem.empty()) throw DecodeError(field, invalidValue(value, valueProblem));
  }
}

}  // namespace kube
