#pragma once
// Bracket nesting of a JSON text, outside strings, checked before parsing untrusted JSON: nothing in
// Kubernetes nests deeply, and refusing deep input keeps every recursive walk (and nlohmann's) safe.
#include <string>

namespace kube {

// Walks the brackets of `text` from `start`, outside strings, calling onBracket(depth after it, index)
// for each `{`, `[`, `}` and `]`; returns the index at which onBracket returned true, npos if it never did.
template <typename OnBracket>
size_t scanJsonBrackets(const std::string& text, size_t start, OnBracket onBracket) {
  int depth = 0;
  bool inString = false;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      if (onBracket(++depth, i)) return i;
    } else if (c == '}' || c == ']') {
      if (onBracket(--depth, i)) return i;
    }
  }
  return std::string::npos;
}

// True when `text` nests `{`/`[` deeper than `limit`; stops scanning as soon as it does.
inline bool jsonNestsDeeperThan(const std::string& text, int limit) {
  return scanJsonBrackets(text, 0, [limit](int depth, size_t) { return depth > limit; }) != std::string::npos;
}

// Where the JSON object or array opening at text[start] ends (one past its closing bracket); npos when it
// does not end.
inline size_t jsonValueEnd(const std::string& text, size_t start) {
  size_t close = scanJsonBrackets(text, start, [&text](int depth, size_t i) {
    return depth == 0 && (text[i] == '}' || text[i] == ']');
  });
  return close == std::string::npos ? close : close + 1;
}

}  // namespace kube
