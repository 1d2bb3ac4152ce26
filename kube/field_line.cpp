// Positions of fields, read from the tree the loader built (every node keeps its line and column).
#include <optional>

#include "kube/source_text.h"

namespace kube {
namespace {

// Splits "spec.containers[1].image" / `metadata.annotations["a.b/c"]` into steps.
std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> steps;
  std::string current;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '.') {
      if (!current.empty()) steps.push_back(current), current.clear();
    } else if (c == '[') {
      if (!current.empty()) steps.push_back(current), current.clear();
      size_t end = path.find(']', i);
      if (end == std::string::npos) break;
      std::string inside = path.substr(i + 1, end - i - 1);
      if (inside.size() >= 2 && inside.front() == '"' && inside.back() == '"')
        steps.push_back(inside.substr(1, inside.size() - 2));
      else
        steps.push_back("#" + inside);  // an index
      i = end;
    } else {
      current += c;
    }
  }
  if (!current.empty()) steps.push_back(current);
  return steps;
}

// The child named by one step and where a reader looks for it (a mapping field's key), or nullopt.
struct Step {
  const YamlNode* node;
  YamlMark mark;
};

std::optional<Step> step(const YamlNode& node, const std::string& s) {
  if (!s.empty() && s[0] == '#' && node.isSequence()) {
    size_t index = 0;
    try {
      index = std::stoul(s.substr(1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (index >= node.children.size()) return std::nullopt;
    return Step{node.children[index], node.children[index]->mark};
  }
  YamlMark keyMark;
  const YamlNode* child = node.get(!s.empty() && s[0] == '#' ? s.substr(1) : s, &keyMark);
  if (!child) return std::nullopt;
  return Step{child, keyMark};
}

}  // namespace

const YamlStream* SourceText::tree() const {
  if (!json) return yaml.get();
  std::call_once(jsonTreeOnce_, [this] {
    try {
      auto combined = std::make_shared<YamlStream>();
      jsonParts_.reserve(jsonDocuments.size());
      for (const JsonDocumentSpan& span : jsonDocuments) {
        jsonParts_.push_back(parseYamlStream(text.substr(span.begin, span.end - span.begin), name));
        YamlStream& part = jsonParts_.back();
        for (YamlNode& node : part.nodes) {  // parsed alone, the document starts at line 1, column 1
          if (node.mark.line == 1) node.mark.column += span.start.column - 1;
          node.mark.line += span.start.line - 1;
        }
        if (part.documents.size() != 1) return;  // not one JSON value: no positions rather than wrong ones
        combined->documents.push_back(part.documents.front());
      }
      jsonTree_ = std::move(combined);
    } catch (const std::exception&) {
    }
  });
  return jsonTree_.get();
}

YamlMark findFieldMark(const std::shared_ptr<const SourceText>& source, int document, const std::string& item,
                       const std::string& fieldPath) {
  const YamlStream* tree = source ? source->tree() : nullptr;
  if (!tree || document < 1 || static_cast<size_t>(document) > tree->documents.size()) return {};
  const YamlNode* node = tree->documents[document - 1];
  YamlMark mark = node->mark;
  std::vector<std::string> steps = splitPath(item);
  std::vector<std::string> more = splitPath(fieldPath);
  steps.insert(steps.end(), more.begin(), more.end());
  for (const auto& s : steps) {
    std::optional<Step> next = step(*node, s);
    if (!next) break;  // the nearest enclosing field that exists
    node = next->node;
    mark = next->mark;
  }
  return mark;
}

}  // namespace kube
