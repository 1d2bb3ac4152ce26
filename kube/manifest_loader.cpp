// Reading manifests: files, folders and stdin; YAML streams and JSON; List unwrapping; hostile input.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "kube/json_depth.h"
#include "kube/manifest.h"
#include "kube/source_text.h"
#include "kube/yaml_scalar.h"

namespace kube {
namespace fs = std::filesystem;
namespace {

// Deeper nesting than this is not a Kubernetes object; refusing it keeps every recursive walk safe.
constexpr int kMaxDepth = 1000;
// Aliases may repeat a node; more nodes than this per input byte means an alias bomb.
constexpr size_t kNodesPerByte = 8;
constexpr size_t kMinNodeBudget = 100000;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw InputError(file + ": " + what);
}

// Converts a yaml-cpp tree to JSON, counting nodes so that alias expansion cannot run away.
class YamlToJson {
 public:
  YamlToJson(const std::string& file, int document, size_t budget)
      : file_(file), document_(document), budget_(budget) {}

  nlohmann::json convert(const YAML::Node& node, int depth = 0) {
    if (++count_ > budget_)
      fail(file_, "document " + std::to_string(document_) +
                      ": YAML aliases expand to more than " + std::to_string(budget_) +
                      " nodes (alias bomb?)");
    if (depth > kMaxDepth) fail(file_, at(node) + "nesting deeper than " + std::to_string(kMaxDepth));
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return nullptr;
      case YAML::NodeType::Scalar:
        return scalar(node);
      case YAML::NodeType::Sequence: {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& child : node) out.push_back(convert(child, depth + 1));
        return out;
      }
      case YAML::NodeType::Map: {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) fail(file_, at(kv.first) + "mapping keys must be strings");
          out[kv.first.Scalar()] = convert(kv.second, depth + 1);
        }
        return out;
      }
    }
    return nullptr;
  }

 private:
  std::string at(const YAML::Node& node) const {
    return "document " + std::to_string(document_) + ": line " + std::to_string(node.Mark().line + 1) +
           ": ";
  }
  static nlohmann::json scalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    if (tag == "!") return node.Scalar();  // quoted: always a string
    if (tag == "?" || tag.empty()) return resolvePlainScalar(node.Scalar());
    return resolveTaggedScalar(node.Scalar(), tag);
  }

  const std::string& file_;
  int document_;
  size_t budget_;
  size_t count_ = 0;
};

bool looksLikeJson(const std::string& text) {
  auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && (text[first] == '{' || text[first] == '[');
}

// The YAML document (1-based) that contains `line`, for parse errors that stop the whole stream.
int documentOfLine(const std::string& text, int line) {
  int document = 1, current = 1;
  bool seenContent = false;
  std::istringstream in(text);
  for (std::string l; current < line && std::getline(in, l); ++current) {
    if (l.rfind("---", 0) == 0) {
      if (seenContent) ++document;
      seenContent = l.find_first_not_of(" \t\r", 3) != std::string::npos &&
                    l[l.find_first_not_of(" \t\r", 3)] != '#';
    } else if (l.find_first_not_of(" \t\r") != std::string::npos && l[l.find_first_not_of(" \t\r")] != '#' &&
               l.rfind("%", 0) != 0) {
      seenContent = true;
    }
  }
  return document;
}

struct RawDocument {
  nlohmann::json value;
  int line = 0;
  std::vector<int> itemLines;  // lines of `items[i]`, for List objects read from YAML
};

std::vector<int> listItemLines(const YAML::Node& node) {
  std::vector<int> lines;
  if (!node.IsMap()) return lines;
  const YAML::Node items = node["items"];
  if (items && items.IsSequence())
    for (const auto& item : items) lines.push_back(item.Mark().line + 1);
  return lines;
}

std::vector<RawDocument> parseYaml(const SourceText& src) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(src.text);
  } catch (const YAML::Exception& e) {
    int line = e.mark.line + 1;
    fail(src.name, "document " + std::to_string(documentOfLine(src.text, line)) + ": line " +
                       std::to_string(line) + ": invalid YAML: " + e.msg);
  }
  const size_t budget = std::max(kMinNodeBudget, src.text.size() * kNodesPerByte);
  std::vector<RawDocument> docs;
  int index = 0;
  for (const auto& node : nodes) {
    ++index;
    YamlToJson converter(src.name, index, budget);
    docs.push_back({converter.convert(node), node.Mark().line + 1, listItemLines(node)});
  }
  return docs;
}

std::vector<RawDocument> parseJson(const SourceText& src) {
  if (jsonNestsDeeperThan(src.text, kMaxDepth))
    fail(src.name, "document 1: nesting deeper than " + std::to_string(kMaxDepth));
  try {
    return {{nlohmann::json::parse(src.text), 1, {}}};
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message already says "at line L, column C".
    std::string what = e.what();
    auto pos = what.find("parse error");
    fail(src.name, "document 1: invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos)));
  }
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
    checkObject(items[i], itemWhere);
    if (isListKind(items[i])) throw InputError(itemWhere.describe() + ": nested List objects are not allowed");
    out.push_back({std::move(itemWhere), std::move(items[i])});
  }
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail(path, "error while reading file");
  return buffer.str();
}

bool isManifestFile(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// How a load treats bad input: a strict load (no `problems`) throws at the first problem, a lenient one
// records it and goes on.
struct Leniency {
  LoadProblems* problems = nullptr;
  bool skipNonObjects = false;  // for files found in a folder: documents without apiVersion and kind are skipped
};

// Neither apiVersion nor kind: some other YAML (a CI workflow, an application config), not a broken manifest.
bool isForeignDocument(const nlohmann::json& value) {
  return !value.is_null() && (!value.is_object() || (!value.contains("apiVersion") && !value.contains("kind")));
}

void parseInto(std::vector<Manifest>& out, const std::string& text, const std::string& name, const Leniency& lenient) {
  auto src = std::make_shared<SourceText>();
  src->name = name;
  src->text = text;
  if (text.find('\0') != std::string::npos) fail(name, "binary data (NUL byte), not a YAML or JSON manifest");
  src->json = looksLikeJson(text);
  std::vector<RawDocument> docs = src->json ? parseJson(*src) : parseYaml(*src);
  std::shared_ptr<const SourceText> shared = src;
  for (size_t i = 0; i < docs.size(); ++i) {
    int index = static_cast<int>(i + 1);
    if (lenient.skipNonObjects && isForeignDocument(docs[i].value)) {
      lenient.problems->skipped.push_back(Location{name, index, docs[i].line, "", nullptr}.describe());
      continue;
    }
    try {
      appendDocument(out, std::move(docs[i]), index, shared);
    } catch (const InputError& e) {
      if (!lenient.problems) throw;
      lenient.problems->errors.push_back(e.what());
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

// Reads and parses one file; a file with `{{ }}` that fails is most likely an unrendered template.
void readInto(std::vector<Manifest>& out, const std::string& path, const Leniency& lenient) {
  std::string text = readFile(path);
  try {
    parseInto(out, text, path, lenient);
  } catch (const InputError& e) {
    if (text.find("{{") == std::string::npos) throw;
    throw InputError(std::string(e.what()) + " (the file holds `{{ }}`: a template, e.g. a Helm chart's; lint its rendered output, `helm template ...`)");
  }
}

std::vector<Manifest> load(const std::vector<std::string>& paths, LoadProblems* problems) {
  std::vector<Manifest> out;
  const Leniency file{problems, false};
  const Leniency inFolder{problems, problems != nullptr};
  for (const auto& path : paths) {
    if (path == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      guarded(file, [&] { parseInto(out, text, "<stdin>", file); });
      continue;
    }
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      guarded(file, [&] { fail(path, "no such file or directory"); });
      continue;
    }
    if (!fs::is_directory(status)) {
      guarded(file, [&] { readInto(out, path, file); });
      continue;
    }
    std::vector<fs::path> files;
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file() && isManifestFile(it->path())) files.push_back(it->path());
    }
    if (ec) guarded(file, [&] { fail(path, "cannot read folder: " + ec.message()); });
    std::sort(files.begin(), files.end());  // deterministic output order
    for (const auto& f : files) guarded(inFolder, [&] { readInto(out, f.string(), inFolder); });
  }
  return out;
}

}  // namespace

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
