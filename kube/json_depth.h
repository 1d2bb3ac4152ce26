#pragma once
// Bracket nesting of a JSON text, outside strings, checked before parsing untrusted JSON: nothing in
// Kubernetes nests deeply, and refusing deep input keeps every recursive walk (and nlohmann's) safe.
#include <string>

namespace kube {

// True when `text` nests `{`/`[` deeper than `limit`; stops scanning as soon as it does.
inline bool jsonNestsDeeperThan(const std::string& text, int limit) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace kube
