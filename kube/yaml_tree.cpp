#include "kube/yaml_tree.h"

#include <yaml.h>

#include <algorithm>
#include <map>

#include "kube/manifest.h"

namespace kube {

const YamlNode* YamlNode::get(const std::string& key, YamlMark* keyMark) const {
  if (!isMapping()) return nullptr;
  for (size_t i = 0; i + 1 < children.size(); i += 2) {
    const YamlNode* k = children[i];
    if (k->isScalar() && k->text == key) {
      if (keyMark) *keyMark = k->mark;
      return children[i + 1];
    }
  }
  return nullptr;
}

bool YamlNode::isMergeKey() const {
  return isScalar() && text == "<<" && ((plain && tag.empty()) || tag == "tag:yaml.org,2002:merge");
}

namespace {

std::string describe(YamlMark m) {
  return "line " + std::to_string(m.line) + ", column " + std::to_string(m.column);
}

YamlMark markOf(const yaml_mark_t& m) {
  return {static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1};
}

// Reader errors (bad UTF-8, control characters) carry a byte offset instead of a mark.
YamlMark markAtOffset(const std::string& text, size_t offset) {
  YamlMark m{1, 1};
  for (size_t i = 0; i < std::min(offset, text.size()); ++i) {
    if (text[i] == '\n') m.line++, m.column = 1;
    else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) m.column++;
  }
  return m;
}

struct Parser {
  yaml_parser_t p;
  Parser() { yaml_parser_initialize(&p); }
  ~Parser() { yaml_parser_delete(&p); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

struct Event {
  yaml_event_t e{};
  ~Event() { yaml_event_delete(&e); }
};

std::string str(const yaml_char_t* s) { return s ? reinterpret_cast<const char*>(s) : ""; }

// Turns libyaml's event stream into the tree, enforcing the limits as events arrive (fail fast).
class TreeBuilder {
 public:
  TreeBuilder(const std::string& text, const std::string& name, const YamlLimits& limits)
      : text_(text), name_(name), limits_(limits),
        budget_(std::min(limits.maxNodes, std::max(limits.minNodeBudget, text.size() * limits.nodesPerByte))) {}

  YamlStream run() {
    if (text_.size() > limits_.maxBytes) throw InputError(tooLargeMessage(name_, limits_.maxBytes));
    Parser parser;
    yaml_parser_set_input_string(&parser.p, reinterpret_cast<const unsigned char*>(text_.data()), text_.size());
    for (;;) {
      Event ev;
      if (!yaml_parser_parse(&parser.p, &ev.e)) parseError(parser.p);
      switch (ev.e.type) {
        case YAML_STREAM_END_EVENT:
          return std::move(out_);
        case YAML_DOCUMENT_START_EVENT:
          ++document_;
          inDocument_ = true;
          if (document_ > limits_.maxDocuments)
            fail(markOf(ev.e.start_mark), "more than " + std::to_string(limits_.maxDocuments) + " documents");
          anchors_.clear();  // anchors are local to their document
          break;
        case YAML_DOCUMENT_END_EVENT:
          if (!root_) {  // libyaml gives an empty document an empty plain scalar; this keeps roots non-null anyway
            YamlNode& empty = out_.nodes.emplace_back();
            empty.plain = true;
            root_ = &empty;
          }
          out_.documents.push_back(root_);
          root_ = nullptr;
          inDocument_ = false;
          break;
        case YAML_ALIAS_EVENT:
          alias(str(ev.e.data.alias.anchor), markOf(ev.e.start_mark));
          break;
        case YAML_SCALAR_EVENT: {
          const auto& s = ev.e.data.scalar;
          YamlNode& node = add(YamlNode::Kind::Scalar, ev.e.start_mark, s.tag, s.anchor);
          node.text.assign(reinterpret_cast<const char*>(s.value), s.length);
          node.plain = s.style == YAML_PLAIN_SCALAR_STYLE;
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
          open(add(YamlNode::Kind::Sequence, ev.e.start_mark, ev.e.data.sequence_start.tag,
                   ev.e.data.sequence_start.anchor),
               ev.e.data.sequence_start.anchor);
          break;
        case YAML_MAPPING_START_EVENT:
          open(add(YamlNode::Kind::Mapping, ev.e.start_mark, ev.e.data.mapping_start.tag,
                   ev.e.data.mapping_start.anchor),
               ev.e.data.mapping_start.anchor);
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          close();
          break;
        default:
          break;
      }
    }
  }

 private:
  struct OpenNode {
    YamlNode* node;
    std::string anchor;
  };

  [[noreturn]] void fail(YamlMark at, const std::string& what) const {
    int document = std::max<size_t>(1, inDocument_ ? document_ : document_ + 1);
    throw InputError(name_ + ": document " + std::to_string(document) + ": " + describe(at) + ": " + what);
  }

  [[noreturn]] void parseError(const yaml_parser_t& p) const {
    std::string problem = p.problem ? p.problem : "unreadable input";
    if (p.error == YAML_READER_ERROR) {
      if (p.problem_value >= 0) {
        char byte[16];  // "0x" and up to 8 hex digits: problem_value is an int
        snprintf(byte, sizeof byte, "0x%02x", p.problem_value);
        problem += " (" + std::string(byte) + ")";
      }
      fail(markAtOffset(text_, p.problem_offset), "invalid YAML: " + problem);
    }
    if (p.context) {
      problem += " " + std::string(p.context);
      if (p.context_mark.index != p.problem_mark.index) problem += " at " + describe(markOf(p.context_mark));
    }
    fail(markOf(p.problem_mark), "invalid YAML: " + problem);
  }

  // Counts `nodes` more toward the file's budget; `viaAlias` when they come from expanding an alias.
  void spend(uint64_t nodes, bool viaAlias, YamlMark at) {
    spent_ += nodes;
    aliased_ = aliased_ || viaAlias;
    if (spent_ > budget_)
      fail(at, aliased_ ? "YAML aliases expand to more than " + std::to_string(budget_) + " nodes (alias bomb?)"
                        : "more than " + std::to_string(budget_) + " nodes");
  }

  void checkDepth(uint64_t height, YamlMark at) const {
    if (stack_.size() + height > limits_.maxDepth)
      fail(at, "nesting deeper than " + std::to_string(limits_.maxDepth));
  }

  // Hangs `node` under the open collection (or makes it the document's root).
  void attach(const YamlNode* node) {
    if (stack_.empty()) {
      root_ = node;
      return;
    }
    YamlNode* parent = stack_.back().node;
    parent->children.push_back(node);
  }

  YamlNode& add(YamlNode::Kind kind, const yaml_mark_t& start, const yaml_char_t* tag, const yaml_char_t* anchor) {
    YamlMark at = markOf(start);
    checkDepth(1, at);
    spend(1, false, at);
    YamlNode& node = out_.nodes.emplace_back();
    node.kind = kind;
    node.mark = at;
    node.tag = str(tag);
    attach(&node);
    if (kind == YamlNode::Kind::Scalar) {
      if (!stack_.empty()) addToParent(node);
      if (anchor) anchors_[str(anchor)] = &node;
    }
    return node;
  }

  void open(YamlNode& node, const yaml_char_t* anchor) {
    stack_.push_back({&node, str(anchor)});
    if (anchor) anchors_[str(anchor)] = nullptr;  // being defined: an alias to it now would be a cycle
  }

  void close() {
    OpenNode done = stack_.back();
    stack_.pop_back();
    if (!done.anchor.empty()) anchors_[done.anchor] = done.node;
    if (!stack_.empty()) addToParent(*done.node);
  }

  // Totals a finished child into its parent's expanded size and height.
  void addToParent(const YamlNode& child) {
    YamlNode* parent = stack_.back().node;
    parent->expanded += child.expanded;
    parent->height = std::max(parent->height, child.height + 1);
  }

  void alias(const std::string& anchor, YamlMark at) {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) fail(at, "unknown anchor '" + anchor + "' referenced");
    if (!it->second) fail(at, "anchor '" + anchor + "' value contains itself");
    const YamlNode* target = it->second;
    checkDepth(target->height, at);
    spend(target->expanded, true, at);
    attach(target);
    if (!stack_.empty()) addToParent(*target);
  }

  const std::string& text_;
  const std::string& name_;
  const YamlLimits& limits_;
  const uint64_t budget_;
  YamlStream out_;
  std::vector<OpenNode> stack_;
  std::map<std::string, const YamlNode*> anchors_;
  const YamlNode* root_ = nullptr;
  size_t document_ = 0;
  bool inDocument_ = false;
  uint64_t spent_ = 0;
  bool aliased_ = false;
};

}  // namespace

std::string tooLargeMessage(const std::string& name, size_t maxBytes) {
  bool mib = maxBytes >= (1u << 20) && maxBytes % (1u << 20) == 0;
  return name + ": larger than " + (mib ? std::to_string(maxBytes >> 20) + " MiB" : std::to_string(maxBytes) + " bytes") +
         "; kguard reads at most that per file";
}

YamlStream parseYamlStream(const std::string& text, const std::string& name, const YamlLimits& limits) {
  return TreeBuilder(text, name, limits).run();
}

}  // namespace kube
