#pragma once
// Integer flags. CLI11 runs a Range check on the flag's text before converting it, so `--port abc` said
// "Value abc not in range 1 to 65535"; this validator says what is wrong: not a number, or out of range.
#include <charconv>
#include <string>

#include <CLI/CLI.hpp>

namespace cli {

inline CLI::Validator integerIn(long long min, long long max) {
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        long long value = 0;
        const char* end = text.data() + text.size();
        auto [stop, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || (ec != std::errc() && ec != std::errc::result_out_of_range) || stop != end)
          return "\"" + text + "\" is not a number (expected " + range + ")";
        if (ec == std::errc::result_out_of_range || value < min || value > max)
          return text + " is out of range (expected " + range + ")";
        return std::string();
      },
      "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]");
}

}  // namespace cli
