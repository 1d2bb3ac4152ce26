#include "webhook/podsecurity/checks/helpers.h"

#include <cstdio>

namespace podsecurity::checks {
namespace {

template <typename Range>
std::string joinQuoteRange(const Range& items) {
  std::string out;
  for (const auto& item : items) {
    out += out.empty() ? "\"" : ", \"";
    out += item;
    out += '"';
  }
  return out;
}

}  // namespace

std::string joinQuote(const std::vector<std::string>& items) { return joinQuoteRange(items); }
std::string joinQuote(const std::set<std::string>& items) { return joinQuoteRange(items); }

std::string containersPhrase(const std::vector<std::string>& names) {
  return std::string(pluralize("container", "containers", names.size())) + " " + joinQuote(names);
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += separator;
    out += items[i];
  }
  return out;
}

std::string goQuote(const std::string& text) {
  // strconv.Quote for the characters that occur in annotation values: printable ASCII and UTF-8
  // stay as they are; quotes, backslashes and control characters are escaped.
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace podsecurity::checks
