#include "kube/yaml_scalar.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace kube {
namespace {

bool isOneOf(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (s == w) return true;
  return false;
}

// Go's strconv.ParseInt(s, 0, 64): optional sign, 0x/0o/0b prefixes, leading 0 = octal, and
// underscores between digits.
bool parseGoInteger(const std::string& text, nlohmann::json& out) {
  std::string s;
  for (char c : text)
    if (c != '_') s += c;
  if (s.empty()) return false;
  size_t i = 0;
  bool negative = false;
  if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
  if (i >= s.size()) return false;
  int base = 10;
  if (s.size() - i > 1 && s[i] == '0') {
    char p = s[i + 1];
    if (p == 'x' || p == 'X') base = 16, i += 2;
    else if (p == 'o' || p == 'O') base = 8, i += 2;
    else if (p == 'b' || p == 'B') base = 2, i += 2;
    else base = 8, i += 1;
  }
  if (i >= s.size()) return false;
  unsigned long long value = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else return false;
    if (digit >= base) return false;
    if (value > (std::numeric_limits<unsigned long long>::max() - digit) / base) return false;
    value = value * base + digit;
  }
  if (negative) {
    if (value > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()) + 1) return false;
    out = static_cast<int64_t>(0 - value);
  } else if (value <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
    out = static_cast<int64_t>(value);
  } else {
    out = static_cast<uint64_t>(value);
  }
  return true;
}

// go-yaml v2's float form: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool looksLikeYamlFloat(const std::string& s) {
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t intDigits = 0, fracDigits = 0;
  while (i < n && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++intDigits;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++fracDigits;
    if (intDigits == 0 && fracDigits == 0) return false;
  } else if (intDigits == 0) {
    return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t expDigits = 0;
    while (i < n && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++expDigits;
    if (expDigits == 0) return false;
  }
  return i == n;
}

nlohmann::json parseFloat(const std::string& s) {
  errno = 0;
  double d = std::strtod(s.c_str(), nullptr);
  if (!std::isfinite(d)) return s;  // JSON has no infinity; kubectl would fail to convert too
  return d;
}

}  // namespace

nlohmann::json resolvePlainScalar(const std::string& s) {
  if (isOneOf(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (isOneOf(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) return true;
  if (isOneOf(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}))
    return false;
  const char first = s[0];
  if ((first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.') {
    nlohmann::json number;
    if (parseGoInteger(s, number)) return number;
    if (looksLikeYamlFloat(s)) return parseFloat(s);
  }
  return s;
}

nlohmann::json resolveTaggedScalar(const std::string& text, const std::string& tag) {
  static const std::string prefix = "tag:yaml.org,2002:";
  std::string name = tag.rfind(prefix, 0) == 0 ? tag.substr(prefix.size()) : tag;
  if (!name.empty() && name[0] == '!') name = name.substr(name.rfind('!') + 1);
  if (name == "str") return text;
  if (name == "null") return nullptr;
  if (name == "bool" || name == "int" || name == "float") {
    nlohmann::json v = resolvePlainScalar(text);
    return v.is_string() ? nlohmann::json(text) : v;
  }
  return text;
}

}  // namespace kube
