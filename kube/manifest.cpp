#include "kube/manifest.h"

#include "kube/object_meta_fields.h"
#include "kube/source_text.h"

namespace kube {
namespace {

const std::string& stringField(const nlohmann::json& object, const char* key) {
  static const std::string empty;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ref<const std::string&>() : empty;
}

}  // namespace

std::string Location::describe() const {
  std::string out = file + ": document " + std::to_string(document);
  if (!item.empty()) out += ", " + item;
  if (int start = startLine(); start > 0) out += " (line " + std::to_string(start) + ")";
  return out;
}

int Location::startLine() const { return line > 0 || item.empty() ? line : lineOf(""); }

YamlMark Location::pointAt(const std::string& fieldPath) const {
  YamlMark mark = markOf(fieldPath);
  if (mark.line <= 0) return {line, 0};
  return mark;
}

int Location::lineOf(const std::string& fieldPath) const { return markOf(fieldPath).line; }

YamlMark Location::markOf(const std::string& fieldPath) const {
  return findFieldMark(source, document, item, fieldPath);
}

Manifest::Manifest(Location where_, nlohmann::json object_)
    : where(std::move(where_)),
      object(std::move(object_)),
      pod_(DecodedPod::ofManifest(object)),
      namespaceObject_(isNamespace(object) ? Decoded<NamespaceObject>::of([this] { return decodeNamespace(object); })
                                           : Decoded<NamespaceObject>()),
      node_(isNode(object) ? Decoded<NodeObject>::of([this] { return decodeNode(object); }) : Decoded<NodeObject>()),
      serviceAccount_(isServiceAccount(object)
                          ? Decoded<ServiceAccountObject>::of([this] { return decodeServiceAccount(object); })
                          : Decoded<ServiceAccountObject>()),
      metadata_(Decoded<ObjectMeta>::of([this]() -> std::optional<ObjectMeta> {
        auto meta = object.is_object() ? object.find("metadata") : object.end();
        if (meta == object.end()) return std::nullopt;
        return decodeObjectMeta(*meta, "metadata");
      })),
      volumeClaims_(decodeObjectVolumeClaims(object)) {}

void Manifest::keepOnly(nlohmann::json identity) {
  object = std::move(identity);
  pod_ = DecodedPod();
  namespaceObject_ = {};
  node_ = {};
  serviceAccount_ = {};
  metadata_ = {};
  volumeClaims_ = {};
}

const std::string& Manifest::kind() const { return stringField(object, "kind"); }
const std::string& Manifest::apiVersion() const { return stringField(object, "apiVersion"); }
std::string Manifest::name() const {
  std::string name = metadataString(object, "name");
  return name.empty() ? metadataString(object, "generateName") : name;
}
std::string Manifest::namespace_() const { return metadataString(object, "namespace"); }

std::string Manifest::errorAt(const std::string& fieldPath, const std::string& problem) const {
  std::string out = where.file + ": document " + std::to_string(where.document);
  if (!where.item.empty()) out += ", " + where.item;
  int line = fieldPath.empty() ? where.line : where.lineOf(fieldPath);
  if (line <= 0) line = where.line;
  if (line > 0) out += ": line " + std::to_string(line);
  if (!fieldPath.empty()) out += ": " + fieldPath;
  return out + ": " + problem;
}

}  // namespace kube
