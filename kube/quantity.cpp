#include "kube/quantity.h"

#include <cstdint>
#include <optional>

namespace kube {
namespace {

constexpr const char* kFormatWrong =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr const char* kNumeric = "unable to parse numeric part of quantity";
constexpr const char* kSuffix = "unable to parse quantity's suffix";

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// strconv.ParseInt(s, 10, 64).
std::optional<int64_t> parseInt64(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t v = 0;
  for (char c : s) {
    if (!isDigit(c)) return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (limit - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

struct Suffix {
  bool binary = false;
  int32_t exponent = 0;  // of 10, or of 2 when binary
};

// quantitySuffixer.interpret: the decimal SI and binary SI suffixes, or e/E and an int64 exponent (which
// Go then truncates to int32). A switch, not a table scan: the webhook reads every limit and request.
std::optional<Suffix> interpretSuffix(std::string_view s) {
  if (s.empty()) return Suffix{false, 0};
  if (s.size() == 1) {
    switch (s[0]) {
      case 'n': return Suffix{false, -9};
      case 'u': return Suffix{false, -6};
      case 'm': return Suffix{false, -3};
      case 'k': return Suffix{false, 3};
      case 'M': return Suffix{false, 6};
      case 'G': return Suffix{false, 9};
      case 'T': return Suffix{false, 12};
      case 'P': return Suffix{false, 15};
      case 'E': return Suffix{false, 18};
      default: return std::nullopt;
    }
  }
  if (s.size() == 2 && s[1] == 'i') {
    switch (s[0]) {
      case 'K': return Suffix{true, 10};
      case 'M': return Suffix{true, 20};
      case 'G': return Suffix{true, 30};
      case 'T': return Suffix{true, 40};
      case 'P': return Suffix{true, 50};
      case 'E': return Suffix{true, 60};
      default: break;  // "ei", "Ei"... as Go: an exponent suffix is tried next
    }
  }
  if (s[0] == 'e' || s[0] == 'E')
    if (auto exponent = parseInt64(s.substr(1)))
      return Suffix{false, static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(*exponent)))};
  return std::nullopt;
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

}  // namespace

// The scan of parseQuantityString: [sign] zeros digits [. digits] suffix-letters [sign digits].
const char* quantityError(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  if (s.empty()) return kFormatWrong;
  const size_t end = s.size();
  size_t pos = 0;
  if (s[0] == '+' || s[0] == '-') ++pos;
  const size_t numberStart = pos;
  while (pos < end && isDigit(s[pos])) ++pos;
  if (pos == end) return nullptr;  // a number without suffix
  bool anyDigit = pos > numberStart;
  if (s[pos] == '.') {
    const size_t denominatorStart = ++pos;
    while (pos < end && isDigit(s[pos])) ++pos;
    if (pos == end) return nullptr;
    anyDigit = anyDigit || pos > denominatorStart;
  }
  const size_t suffixStart = pos;
  constexpr std::string_view suffixLetters = "eEinumkKMGTP";
  while (pos < end && suffixLetters.find(s[pos]) != std::string_view::npos) ++pos;
  if (pos < end && (s[pos] == '+' || s[pos] == '-')) ++pos;
  while (pos < end && isDigit(s[pos])) ++pos;
  if (pos < end) return kFormatWrong;
  auto suffix = interpretSuffix(s.substr(suffixStart));
  if (!suffix) return kSuffix;
  // A number part without any digit ("", "+", ".") reads as zero on ParseQuantity's int64 path; it fails
  // only on its inf.Dec path: a decimal exponent below nano, or a binary suffix of Pi or more (too
  // little int64 precision left by its estimate, 15 - 1 - exponent*3/10 - 1 < 0).
  if (!anyDigit && (suffix->binary ? suffix->exponent * 3 / 10 > 13 : suffix->exponent < -9)) return kNumeric;
  return nullptr;
}

}  // namespace kube
