#pragma once
// YAML streams read with libyaml (the C parser go-yaml v2, and so kubectl, is a line-by-line port of),
// into a tree whose every node keeps its line and column. One parse serves both the manifest loader
// (tree -> JSON) and field-position lookups for messages.
//
// Reading is bounded: an input past any of YamlLimits ends in kube::InputError naming the file, so a
// hostile file costs at most a few hundred MB and a fraction of a second, never the machine.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace kube {

// 1-based line and column of a node's first character; 0 when unknown.
struct YamlMark {
  int line = 0;
  int column = 0;
};

struct YamlNode {
  enum class Kind : uint8_t { Scalar, Sequence, Mapping };
  Kind kind = Kind::Scalar;
  bool plain = false;  // a scalar written without quotes or block style: resolved as YAML 1.1 (`on` is true)
  YamlMark mark;
  std::string text;  // a scalar's value
  std::string tag;   // an explicit tag as libyaml expands it ("tag:yaml.org,2002:str", "!custom"), else ""
  // Sequence: the items. Mapping: key, value, key, value... An alias is the anchored node itself
  // (shared, never copied), so the tree is a DAG; `expanded` counts what walking it would visit.
  std::vector<const YamlNode*> children;
  uint64_t expanded = 1;  // nodes in this subtree with aliases expanded
  uint32_t height = 1;    // nesting levels in this subtree with aliases expanded

  bool isScalar() const { return kind == Kind::Scalar; }
  bool isSequence() const { return kind == Kind::Sequence; }
  bool isMapping() const { return kind == Kind::Mapping; }
  // A mapping's value for a scalar key, or nullptr. `keyMark` (if given) receives the key's position.
  const YamlNode* get(const std::string& key, YamlMark* keyMark = nullptr) const;
  // go-yaml v2's merge key `<<` (plain, untagged, or tagged !!merge).
  bool isMergeKey() const;
};

// What one input may cost. No real manifest comes near any of these.
struct YamlLimits {
  size_t maxBytes = 32u << 20;   // 32 MiB per file
  size_t maxDocuments = 100000;  // `---`-separated documents per file
  uint32_t maxDepth = 1000;      // nesting, counting through aliases
  uint64_t maxNodes = 5000000;   // nodes per file, aliases expanded (billion laughs ends here)
  uint64_t nodesPerByte = 8;     // ... and at most this many per input byte (a real file has < 1)
  uint64_t minNodeBudget = 100000;
};

struct YamlStream {
  std::deque<YamlNode> nodes;               // owns every node
  std::vector<const YamlNode*> documents;   // one root per document (an empty document is a null scalar)
};

// "name: larger than 32 MiB; kguard reads at most that per file" — the one wording of the byte limit.
std::string tooLargeMessage(const std::string& name, size_t maxBytes);

// Parses `text` (the contents of `name`). Throws kube::InputError
// "name: document D: line L, column C: invalid YAML: <problem>" or naming the limit passed.
YamlStream parseYamlStream(const std::string& text, const std::string& name, const YamlLimits& limits = {});

}  // namespace kube
