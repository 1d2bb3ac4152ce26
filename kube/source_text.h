#pragma once
// The raw text of one input, shared by every manifest read from it: field lines are looked up in it
// only when a message needs one, so the happy path pays nothing for line numbers.
#include <memory>
#include <string>

namespace kube {

struct SourceText {
  std::string name;  // file path or "<stdin>"
  std::string text;
  bool json = false;  // parsed as JSON rather than YAML
};

// The 1-based line of `fieldPath` ("spec.containers[1].image", `["a.b/c"]` for keys with dots) inside
// document `document` (1-based) and List item `item` ("items[3]" or empty), or 0 when not found.
// The parse is cached for the most recent source, so many lookups in one file parse it once.
int findFieldLine(const std::shared_ptr<const SourceText>& source, int document, const std::string& item,
                  const std::string& fieldPath);

}  // namespace kube
