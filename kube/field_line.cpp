// Finding the line of a field on demand, by parsing the source again (only when a message needs it).
#include <optional>

#include <yaml-cpp/yaml.h>

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

// The child of `node` named by one step, or nullopt. (yaml-cpp's Node::operator= assigns content, so
// callers rebind with reset() rather than assigning.)
// For a mapping field the line is the key's, which is where a reader looks for it.
struct Step {
  YAML::Node node;
  int line;
};

std::optional<Step> step(const YAML::Node& node, const std::string& s) {
  if (!s.empty() && s[0] == '#' && node.IsSequence()) {
    size_t index = std::stoul(s.substr(1));
    if (index >= node.size()) return std::nullopt;
    YAML::Node element = node[index];
    return Step{element, element.Mark().line + 1};
  }
  if (!node.IsMap()) return std::nullopt;
  std::string key = !s.empty() && s[0] == '#' ? s.substr(1) : s;
  for (const auto& kv : node)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return Step{kv.second, kv.first.Mark().line + 1};
  return std::nullopt;
}

// One parsed source per thread: lint asks for many lines of the same file in a row.
const std::vector<YAML::Node>& parsedDocuments(const std::shared_ptr<const SourceText>& source) {
  thread_local std::weak_ptr<const SourceText> cachedSource;
  thread_local std::vector<YAML::Node> cachedDocs;
  if (cachedSource.lock() != source) {
    cachedDocs = YAML::LoadAll(source->text);
    cachedSource = source;
  }
  return cachedDocs;
}

}  // namespace

int findFieldLine(const std::shared_ptr<const SourceText>& source, int document, const std::string& item,
                  const std::string& fieldPath) {
  if (!source) return 0;
  try {
    const std::vector<YAML::Node>& docs = parsedDocuments(source);
    if (document < 1 || static_cast<size_t>(document) > docs.size()) return 0;
    YAML::Node node;
    node.reset(docs[document - 1]);
    std::vector<std::string> steps = splitPath(item);
    std::vector<std::string> more = splitPath(fieldPath);
    steps.insert(steps.end(), more.begin(), more.end());
    int line = node.Mark().line + 1;
    for (const auto& s : steps) {
      std::optional<Step> next = step(node, s);
      if (!next) return line;  // the nearest enclosing field that exists
      node.reset(next->node);
      line = next->line;
    }
    return line;
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace kube
