#include "webhook/request_timeout.h"

#include <cmath>
#include <string>

namespace webhook {
namespace {

// Nanoseconds per unit, as Go's time.ParseDuration names them.
std::optional<double> unitNanos(std::string_view unit) {
  if (unit == "ns") return 1.0;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;  // us, µs (micro sign, mu)
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  return std::nullopt;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::chrono::nanoseconds> parseGoDuration(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty() || text[0] == '-') return std::nullopt;  // negative: no time at all, ignore
  double total = 0;
  while (!text.empty()) {
    size_t i = 0, digits = 0;
    for (; i < text.size() && isDigit(text[i]); ++i) ++digits;
    if (i < text.size() && text[i] == '.')
      for (++i; i < text.size() && isDigit(text[i]); ++i) ++digits;
    if (digits == 0) return std::nullopt;  // a unit without a number, or "."
    const double number = std::stod(std::string(text.substr(0, i)));
    text.remove_prefix(i);
    size_t u = 0;
    while (u < text.size() && !isDigit(text[u]) && text[u] != '.') ++u;
    auto nanos = unitNanos(text.substr(0, u));
    if (!nanos) return std::nullopt;  // Go requires a unit on every number but a lone "0"
    total += number * *nanos;
    text.remove_prefix(u);
  }
  if (!std::isfinite(total) || total > 9.2e18) return std::nullopt;  // Go: "invalid duration" past int64
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

std::optional<std::chrono::nanoseconds> requestTimeout(std::string_view query) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.substr(0, 8) == "timeout=") return parseGoDuration(pair.substr(8));
  }
  return std::nullopt;
}

}  // namespace webhook
