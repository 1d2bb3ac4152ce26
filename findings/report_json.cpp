#include "findings/report_json.h"

namespace findings {
namespace {

std::string dump(const nlohmann::json& value) { return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); }

// `text` as it appears `depth` levels deep: every line after the first indented by two spaces per level.
void appendIndented(std::string& out, const std::string& text, int depth) {
  const std::string indent(2 * depth, ' ');
  size_t begin = 0;
  for (size_t nl; (nl = text.find('\n', begin)) != std::string::npos; begin = nl + 1)
    out.append(text, begin, nl + 1 - begin).append(indent);
  out.append(text, begin, std::string::npos);
}

}  // namespace

std::string jsonDocument(const nlohmann::json& document) { return dump(document) + "\n"; }

std::string jsonDocumentWithArray(const nlohmann::json& document, const std::string& arrayKey, size_t count,
                                  const std::function<nlohmann::json(size_t)>& element) {
  nlohmann::json keys = document;
  keys[arrayKey] = nlohmann::json::array();  // in its sorted place, written below
  std::string out = "{";
  bool first = true;
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    out += first ? "\n  " : ",\n  ";
    first = false;
    appendIndented(out, dump(nlohmann::json(it.key())) + ": ", 1);
    if (it.key() != arrayKey || count == 0) {
      appendIndented(out, dump(it.value()), 1);
      continue;
    }
    out += "[";
    for (size_t i = 0; i < count; ++i) {
      out += i == 0 ? "\n    " : ",\n    ";
      appendIndented(out, dump(element(i)), 2);
    }
    out += "\n  ]";
  }
  out += first ? "}\n" : "\n}\n";
  return out;
}

}  // namespace findings
