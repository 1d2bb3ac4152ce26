#pragma once
// Flags naming a file, a context or a level refuse an empty value: `--config "$KGUARD_CONFIG"` with the
// variable unset would otherwise read as "no flag" and run without the configuration (no kguard rules, no
// exemptions) and still pass.
#include <string>

#include <CLI/CLI.hpp>

namespace cli {

inline CLI::Validator nonEmpty() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return text.empty() ? "empty value (an unset variable?)" : std::string(); },
      "NON-EMPTY");
}

}  // namespace cli
