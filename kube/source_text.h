#pragma once
// The raw text of one input, shared by every manifest read from it, with the YAML tree that gives
// every node's line and column: messages look positions up in it only when they need one.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kube/yaml_tree.h"

namespace kube {

// Where one JSON value of a JSON input starts and ends (a file may hold a stream of them, `jq -c` output).
struct JsonDocumentSpan {
  size_t begin = 0;  // byte offsets in SourceText::text
  size_t end = 0;
  YamlMark start;    // line and column of text[begin]
};

struct SourceText {
  std::string name;  // file path or "<stdin>"
  std::string text;
  bool json = false;  // parsed as JSON rather than YAML
  std::shared_ptr<const YamlStream> yaml;  // the loader's own parse (YAML input)
  std::vector<JsonDocumentSpan> jsonDocuments;  // JSON input: one per document, set by the loader

  // The tree with positions: the loader's parse for YAML; for JSON, each document parsed (as the YAML it
  // also is; a stream of JSON values is no YAML stream) on first use, its positions made the file's.
  // nullptr when that fails.
  const YamlStream* tree() const;

 private:
  mutable std::once_flag jsonTreeOnce_;
  mutable std::shared_ptr<const YamlStream> jsonTree_;
  mutable std::vector<YamlStream> jsonParts_;  // own the nodes jsonTree_'s documents point to
};

// The position of `fieldPath` ("spec.containers[1].image", `["a.b/c"]` for keys with dots) inside
// document `document` (1-based) and List item `item` ("items[3]" or empty): for a mapping field the
// key's line and column, for a list element the element's. When the field is absent, the position of
// the nearest enclosing field that exists; {0, 0} when the document is unknown.
YamlMark findFieldMark(const std::shared_ptr<const SourceText>& source, int document, const std::string& item,
                       const std::string& fieldPath);

}  // namespace kube
