// Reading manifests: files, folders and stdin; YAML streams and JSON; List unwrapping; hostile input.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>


#include "kube/json_depth.h"
#include "kube/kustomization.h"
#include "kube/manifest.h"
#include "kube/manifest_files.h"
#include "kube/source_text.h"
#include "kube/text_encoding.h"
#include "kube/yaml_scalar.h"
#include "kube/yaml_tree.h"

namespace kube {
namespace fs = std::filesystem;
namespace {

// What one input may cost (bytes, documents, nesting, nodes); JSON input gets the same byte and depth limits.
const YamlLimits kLimits;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw InputError(file + ": " + what);
}

[[noreturn]] void tooBig(const std::string& file) { throw InputError(tooLargeMessage(file, kLimits.maxBytes)); }

// Converts one document's tree to JSON the way sigs.k8s.io/yaml (go-yaml v2) does, except that a key
// repeated in one mapping is an error, as the API server's strict field validation reports it.
class YamlToJson {
 public:
  YamlToJson(const std::string& file, int document) : file_(file), document_(document) {}

  // The tree's builder bounded depth and alias expansion, so this recursion is bounded too.
  nlohmann::json convert(const YamlNode& node) const {
    switch (node.kind) {
      case YamlNode::Kind::Scalar:
        return scalar(node);
      case YamlNode::Kind::Sequence: {
        nlohmann::json out = nlohmann::json::array();
        for (const YamlNode* child : node.children) out.push_back(convert(*child));
        return out;
      }
      case YamlNode::Kind::Mapping: {
        nlohmann::json out = nlohmann::json::object();
        addMapping(node, out);
        return out;
      }
    }
    return nullptr;
  }

 private:
  // go-yaml v2 applies keys in order, so a later key (or merge) overrides an earlier merge.
  void addMapping(const YamlNode& node, nlohmann::json& out) const {
    std::set<std::string_view> explicitKeys;
    for (size_t i = 0; i + 1 < node.children.size(); i += 2) {
      const YamlNode& key = *node.children[i];
      const YamlNode& value = *node.children[i + 1];
      if (key.isMergeKey()) {
        merge(value, key.mark, out);
        continue;
      }
      if (!key.isScalar()) fail(file_, at(key.mark) + "mapping keys must be strings");
      if (!explicitKeys.insert(key.text).second) duplicate(node, i);
      out[key.text] = convert(value);
    }
  }

  void merge(const YamlNode& value, YamlMark where, nlohmann::json& out) const {
    if (value.isMapping()) return addMapping(value, out);
    if (!value.isSequence()) fail(file_, at(where) + "<<: merge expects a mapping or a list of mappings");
    for (auto it = value.children.rbegin(); it != value.children.rend(); ++it) {  // earlier ones win
      if (!(*it)->isMapping()) fail(file_, at((*it)->mark) + "<<: merge expects a mapping or a list of mappings");
      addMapping(**it, out);
    }
  }

  [[noreturn]] void duplicate(const YamlNode& mapping, size_t keyIndex) const {
    const YamlNode& key = *mapping.children[keyIndex];
    int first = 0;
    for (size_t i = 0; i < keyIndex && !first; i += 2)
      if (mapping.children[i]->isScalar() && mapping.children[i]->text == key.text) first = mapping.children[i]->mark.line;
    fail(file_, at(key.mark) + key.text + ": duplicate field (already set on line " + std::to_string(first) + ")");
  }

  std::string at(YamlMark mark) const {
    return "document " + std::to_string(document_) + ": line " + std::to_string(mark.line) + ", column " +
           std::to_string(mark.column) + ": ";
  }

  static nlohmann::json scalar(const YamlNode& node) {
    if (node.tag.empty()) return node.plain ? resolvePlainScalar(node.text) : nlohmann::json(node.text);
    if (node.tag == "!") return node.text;  // the non-specific tag: always a string
    return resolveTaggedScalar(node.text, node.tag);
  }

  const std::string& file_;
  int document_;
};

bool looksLikeJson(const std::string& text) {
  auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && (text[first] == '{' || text[first] == '[');
}

struct RawDocument {
  nlohmann::json value;
  int line = 0;
  std::vector<int> itemLines;  // lines of `items[i]`, for List objects read from YAML
};

std::vector<int> listItemLines(const YamlNode& node) {
  std::vector<int> lines;
  const YamlNode* items = node.get("items");
  if (items && items->isSequence())
    for (const YamlNode* item : items->children) lines.push_back(item->mark.line);
  return lines;
}

std::vector<RawDocument> parseYaml(SourceText& src) {
  src.yaml = std::make_shared<YamlStream>(parseYamlStream(src.text, src.name, kLimits));
  std::vector<RawDocument> docs;
  int index = 0;
  for (const YamlNode* root : src.yaml->documents) {
    ++index;
    docs.push_back({YamlToJson(src.name, index).convert(*root), root->mark.line, listItemLines(*root)});
  }
  return docs;
}

// One document per JSON value: a file may hold a stream of them (`jq -c` output), as kubectl's
// YAMLOrJSONDecoder reads it.
// A JSON field given twice in one object, as the API server's strict field validation refuses it (kubectl's
// default --validate=strict; the YAML reader refuses the same). nlohmann keeps the last silently, so the
// parse is watched: the path of the first repeated field ("metadata.name", "items[0].kind"), or "".
class JsonDuplicateFields {
 public:
  bool operator()(int, nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start: frames_.push_back({false, 0, "", {}}); break;
      case Event::array_start: frames_.push_back({true, 0, "", {}}); break;
      case Event::key:
        frames_.back().key = parsed.get<std::string>();
        if (!frames_.back().seen.insert(frames_.back().key).second && duplicate_.empty()) duplicate_ = path();
        break;
      case Event::object_end:
      case Event::array_end:
        frames_.pop_back();
        [[fallthrough]];
      case Event::value:
        if (!frames_.empty() && frames_.back().isArray) ++frames_.back().index;
        break;
    }
    return true;
  }
  const std::string& duplicate() const { return duplicate_; }

 private:
  struct Frame {
    bool isArray;
    size_t index;
    std::string key;
    std::set<std::string> seen;
  };
  std::string path() const {
    std::string out;
    for (const auto& f : frames_)
      out += f.isArray ? "[" + std::to_string(f.index) + "]" : (out.empty() ? "" : ".") + f.key;
    return out;
  }
  std::vector<Frame> frames_;
  std::string duplicate_;
};

std::vector<RawDocument> parseJson(SourceText& src) {
  const std::string& text = src.text;
  if (jsonNestsDeeperThan(text, static_cast<int>(kLimits.maxDepth)))
    fail(src.name, "document 1: nesting deeper than " + std::to_string(kLimits.maxDepth));
  std::vector<RawDocument> docs;
  int line = 1;  // the line of text[pos]
  for (size_t pos = 0, start; (start = text.find_first_not_of(" \t\r\n", pos)) != std::string::npos;) {
    int startLine = line + static_cast<int>(std::count(text.begin() + pos, text.begin() + start, '\n'));
    size_t end = std::min(jsonValueEnd(text, start), text.size());
    bool first = docs.empty();
    std::string where = "document " + std::to_string(docs.size() + 1);
    if (!first) where += " (line " + std::to_string(startLine) + ")";
    JsonDuplicateFields duplicates;
    try {
      // Parsed from `pos`, so that for the first document nlohmann's "line L, column C" are the file's.
      docs.push_back({nlohmann::json::parse(text.begin() + pos, text.begin() + end, std::ref(duplicates)), first ? 1 : startLine, {}});
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for numbers like 1e999
      // nlohmann's message ("[json.exception.parse_error.101] parse error at line L, column C: ...") minus its id.
      std::string what = e.what();
      auto id = what.find("] ");
      fail(src.name, where + ": invalid JSON: " + (id == std::string::npos ? what : what.substr(id + 2)));
    }
    if (!duplicates.duplicate().empty()) fail(src.name, where + ": " + duplicates.duplicate() + ": duplicate field");
    const size_t lineStart = start == 0 ? std::string::npos : text.rfind('\n', start - 1);
    const int column = static_cast<int>(lineStart == std::string::npos ? start + 1 : start - lineStart);
    src.jsonDocuments.push_back({start, end, {startLine, column}});
    line += static_cast<int>(std::count(text.begin() + pos, text.begin() + end, '\n'));
    pos = end;
  }
  return docs;
}

bool isListKind(const nlohmann::json& object) {
  auto kind = object.find("kind");
  if (kind == object.end() || !kind->is_string()) return false;
  const std::string& k = kind->get_ref<const std::string&>();
  return k.size() >= 4 && k.compare(k.size() - 4, 4, "List") == 0 && object.contains("items");
}

void checkObject(const nlohmann::json& object, const Location& where) {
  if (!object.is_object())
    throw InputError(where.describe() + ": expected a Kubernetes object (a mapping with apiVersion and kind), got " +
                     std::string(object.type_name()));
  for (const char* field : {"apiVersion", "kind"}) {
    auto it = object.find(field);
    if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      throw InputError(where.describe() + ": " + field + ": required string field is missing");
  }
  auto metadata = object.find("metadata");
  if (metadata != object.end() && !metadata->is_object() && !metadata->is_null())
    throw InputError(where.describe() + ": metadata: expected an object");
}

// The API server leaves apiVersion and kind out of the items of a typed list (`kubectl get --raw
// /api/v1/pods` gives a PodList whose items are bare Pods): such an item is a FOO of the list's group version.
// Items of the generic `kind: List` name their own type.
void inheritTypeFromList(nlohmann::json& item, const nlohmann::json& list) {
  const std::string& listKind = list["kind"].get_ref<const std::string&>();
  if (!item.is_object() || listKind == "List") return;
  if (!item.contains("kind")) item["kind"] = listKind.substr(0, listKind.size() - 4);
  if (!item.contains("apiVersion")) item["apiVersion"] = list["apiVersion"];
}

void appendDocument(std::vector<Manifest>& out, RawDocument doc, int index,
                    const std::shared_ptr<const SourceText>& src) {
  if (doc.value.is_null()) return;  // empty document
  Location where{src->name, index, doc.line, "", src};
  checkObject(doc.value, where);
  if (!isListKind(doc.value)) {
    out.push_back({std::move(where), std::move(doc.value)});
    return;
  }
  auto& items = doc.value["items"];
  if (items.is_null()) return;
  if (!items.is_array()) throw InputError(where.describe() + ": items: expected a list");
  for (size_t i = 0; i < items.size(); ++i) {
    Location itemWhere{src->name, index, 0, "items[" + std::to_string(i) + "]", src};
    itemWhere.line = i < doc.itemLines.size() ? doc.itemLines[i] : 0;
    inheritTypeFromList(items[i], doc.value);
    checkObject(items[i], itemWhere);
    if (isListKind(items[i])) throw InputError(itemWhere.describe() + ": nested List objects are not allowed");
    out.push_back({std::move(itemWhere), std::move(items[i])});
  }
}

// Reads at most the byte limit (plus one, to tell that there is more): /dev/zero or a disk image given by
// mistake ends in an error, not in memory exhaustion.
std::string readBounded(std::istream& in, const std::string& name) {
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kLimits.maxBytes) tooBig(name);
  }
  if (in.bad()) fail(name, "error while reading file");
  return text;
}

// "no such file or directory", "too many levels of symbolic links": why a path cannot be opened.
std::string problemOf(const std::error_code& ec) {
  if (!ec) return "no such file or directory";
  std::string text = ec.message();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// How a load treats bad input: a strict load (no `problems`) throws at the first problem, a lenient one
// records it and goes on.
struct Leniency {
  LoadProblems* problems = nullptr;
  bool skipNonObjects = false;  // for files found in a folder: documents without apiVersion and kind are skipped
};

// An error of a file that fails as a Helm chart's would: one with `{{ }}` is most likely an unrendered
// template, a Chart.yaml (apiVersion v2, no kind: kubectl refuses it too) the metadata of such a chart.
std::string withHelmHint(const std::string& error, const std::string& path, const std::string& text) {
  if (fs::path(path).filename() == "Chart.yaml")
    return error + " (a Helm chart's Chart.yaml: lint the chart's rendered output, `helm template ...`)";
  if (text.find("{{") != std::string::npos)
    return error + " (the file holds `{{ }}`: a template, e.g. a Helm chart's; lint its rendered output, `helm template ...`)";
  return error;
}

// Neither apiVersion nor kind: some other YAML (a CI workflow, an application config), not a broken manifest.
bool isForeignDocument(const nlohmann::json& value) {
  return !value.is_null() && (!value.is_object() || (!value.contains("apiVersion") && !value.contains("kind")));
}

void parseInto(std::vector<Manifest>& out, const std::string& text, const std::string& name, const Leniency& lenient) {
  if (text.size() > kLimits.maxBytes) tooBig(name);
  auto src = std::make_shared<SourceText>();
  src->name = name;
  src->text = text;
  decodeByteOrderMark(src->text);  // as kubectl reads files and stdin
  if (src->text.find('\0') != std::string::npos) fail(name, "binary data (NUL byte), not a YAML or JSON manifest");
  src->json = looksLikeJson(src->text);
  std::vector<RawDocument> docs = src->json ? parseJson(*src) : parseYaml(*src);
  std::shared_ptr<const SourceText> shared = src;
  for (size_t i = 0; i < docs.size(); ++i) {
    int index = static_cast<int>(i + 1);
    if (lenient.skipNonObjects && isForeignDocument(docs[i].value)) {
      lenient.problems->skipped.push_back(Location{name, index, docs[i].line, "", nullptr}.describe() +
                                          ": no apiVersion and kind, not a Kubernetes object");
      continue;
    }
    try {
      appendDocument(out, std::move(docs[i]), index, shared);
    } catch (const InputError& e) {
      if (!lenient.problems) throw;
      lenient.problems->errors.push_back(withHelmHint(e.what(), name, src->text));
    }
  }
}

// Runs `read`; a lenient load records its InputError instead of throwing.
template <typename Read>
void guarded(const Leniency& lenient, Read read) {
  if (!lenient.problems) return read();
  try {
    read();
  } catch (const InputError& e) {
    lenient.problems->errors.push_back(e.what());
  }
}

// Reads and parses one file (a file's errors say what it likely is: withHelmHint).
void readInto(std::vector<Manifest>& out, const std::string& path, const Leniency& lenient) {
  std::string text = readManifestFile(path);
  try {
    parseInto(out, text, path, lenient);
  } catch (const InputError& e) {
    throw InputError(withHelmHint(e.what(), path, text));
  }
}

// The files of a kustomize source folder that are no complete objects, each with why: every kustomization
// file and every patch one names (kube/kustomization.h). Only where foreign documents are skipped (folders
// of a lenient load); a kustomization that cannot be parsed is read as any file, which reports why.
using FileList = std::vector<std::pair<fs::path, std::string>>;  // each file, with why it cannot be read
std::map<fs::path, std::string> kustomizeParts(const FileList& files, const Leniency& lenient) {
  std::map<fs::path, std::string> out;
  if (!lenient.skipNonObjects) return out;
  for (const auto& entry : files) {
    const fs::path& file = entry.first;
    if (!entry.second.empty() || !isKustomizationFile(file)) continue;
    std::vector<RawDocument> docs;
    try {
      SourceText src;
      src.name = file.string();
      src.text = readManifestFile(src.name);
      docs = parseYaml(src);
    } catch (const InputError&) {
      continue;
    }
    out[file.lexically_normal()] = "a kustomization, not a Kubernetes object (render the folder: kubectl kustomize " +
                                   file.parent_path().string() + ")";
    for (const auto& doc : docs)
      for (const auto& patch : kustomizationPatchFiles(doc.value))
        out.emplace((file.parent_path() / patch).lexically_normal(),
                    "a patch named in " + file.string() + ", not a complete object");
  }
  return out;
}

std::vector<Manifest> load(const std::vector<std::string>& paths, LoadProblems* problems) {
  std::vector<Manifest> out;
  const Leniency file{problems, false};
  const Leniency inFolder{problems, problems != nullptr};
  for (const auto& path : paths) {
    if (path == "-") {
      guarded(file, [&] { parseInto(out, readBounded(std::cin, "<stdin>"), "<stdin>", file); });
      continue;
    }
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      guarded(file, [&] { fail(path, problemOf(ec)); });
      continue;
    }
    if (!fs::is_directory(status)) {
      guarded(file, [&] { readInto(out, path, file); });
      continue;
    }
    FileList files;
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      std::error_code typeEc;  // a symbolic link that dangles or loops: named as unreadable, never skipped
      auto type = it->status(typeEc).type();
      if (!isManifestFile(it->path())) continue;
      if (type == fs::file_type::regular) files.emplace_back(it->path(), "");
      if (typeEc) files.emplace_back(it->path(), problemOf(typeEc));
    }
    if (ec) guarded(file, [&] { fail(path, "cannot read folder: " + ec.message()); });
    std::sort(files.begin(), files.end());  // deterministic output order
    auto kustomize = kustomizeParts(files, inFolder);
    for (const auto& entry : files) {  // (not a structured binding: C++17 lambdas cannot capture one)
      auto part = kustomize.find(entry.first.lexically_normal());
      if (part != kustomize.end()) {
        problems->skipped.push_back(entry.first.string() + ": " + part->second);
        continue;
      }
      guarded(inFolder, [&] {
        if (!entry.second.empty()) fail(entry.first.string(), entry.second);
        readInto(out, entry.first.string(), inFolder);
      });
    }
  }
  return out;
}

}  // namespace

std::string readManifestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read file: " + problemOf(std::error_code(errno, std::generic_category())));
  return readBounded(in, path);
}

std::vector<Manifest> parseManifests(const std::string& text, const std::string& name) {
  std::vector<Manifest> out;
  parseInto(out, text, name, {});
  return out;
}

std::vector<Manifest> loadManifests(const std::vector<std::string>& paths) { return load(paths, nullptr); }

std::vector<Manifest> loadManifests(const std::vector<std::string>& paths, LoadProblems& problems) {
  return load(paths, &problems);
}

}  // namespace kube
