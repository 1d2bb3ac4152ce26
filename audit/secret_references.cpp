#include "audit/secret_references.h"

#include <nlohmann/json.hpp>

#include "kube/pod_decode.h"

namespace audit {
namespace {

const nlohmann::json* at(const nlohmann::json& object, const std::string& dottedPath) {
  const nlohmann::json* node = &object;
  for (size_t begin = 0; begin < dottedPath.size();) {
    size_t end = std::min(dottedPath.find('.', begin), dottedPath.size());
    if (!node->is_object()) return nullptr;
    auto it = node->find(dottedPath.substr(begin, end - begin));
    if (it == node->end()) return nullptr;
    node = &*it;
    begin = end + 1;
  }
  return node;
}

std::string stringAt(const nlohmann::json* object, const char* key) {
  if (!object || !object->is_object()) return "";
  auto it = object->find(key);
  return it != object->end() && it->is_string() ? it->get<std::string>() : "";
}

// Calls fn(index, item) for each object in the array `key` of `object`.
template <typename Fn>
void eachObject(const nlohmann::json& object, const char* key, Fn&& fn) {
  auto list = object.find(key);
  if (list == object.end() || !list->is_array()) return;
  for (size_t i = 0; i < list->size(); ++i)
    if ((*list)[i].is_object()) fn(i, (*list)[i]);
}

}  // namespace

std::vector<SecretReference> secretReferences(const nlohmann::json& object, const std::string& templatePath) {
  std::vector<SecretReference> out;
  const std::string specPath = kube::fieldInObject(templatePath, "spec");
  const nlohmann::json* spec = at(object, specPath);
  if (!spec || !spec->is_object()) return out;
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"})
    eachObject(*spec, list, [&](size_t i, const nlohmann::json& c) {
      const std::string name = stringAt(&c, "name");
      const std::string field = specPath + "." + list + "[" + std::to_string(i) + "]";
      eachObject(c, "env", [&](size_t e, const nlohmann::json& env) {
        if (const auto* ref = at(env, "valueFrom.secretKeyRef"))
          out.push_back({SecretReference::Via::EnvVar, stringAt(ref, "name"), field + ".env[" + std::to_string(e) + "]",
                         name, stringAt(&env, "name")});
      });
      eachObject(c, "envFrom", [&](size_t e, const nlohmann::json& env) {
        if (const auto* ref = at(env, "secretRef"))
          out.push_back({SecretReference::Via::EnvFrom, stringAt(ref, "name"),
                         field + ".envFrom[" + std::to_string(e) + "]", name, ""});
      });
    });
  eachObject(*spec, "volumes", [&](size_t v, const nlohmann::json& volume) {
    const std::string field = specPath + ".volumes[" + std::to_string(v) + "]";
    if (const auto* secret = at(volume, "secret"))
      out.push_back({SecretReference::Via::Volume, stringAt(secret, "secretName"), field + ".secret", "", ""});
    if (const auto* projected = at(volume, "projected"); projected && projected->is_object())
      eachObject(*projected, "sources", [&](size_t s, const nlohmann::json& source) {
        if (const auto* secret = at(source, "secret"))
          out.push_back({SecretReference::Via::ProjectedVolume, stringAt(secret, "name"),
                         field + ".projected.sources[" + std::to_string(s) + "].secret", "", ""});
      });
  });
  return out;
}

}  // namespace audit
