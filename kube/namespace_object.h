#pragma once
// A core/v1 Namespace as kguard reads it: its name and labels, which Pod Security's namespace policy and
// NetworkPolicy namespaceSelectors read. The one decoder of Namespace objects, for lint, audit, netpol
// and the webhook's namespace cache.
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/decode_error.h"
#include "kube/object_meta.h"

namespace kube {

struct NamespaceObject {
  std::string name;  // "" when metadata.name is missing
  StringMap labels;
};

// kind Namespace, apiVersion v1.
bool isNamespace(const nlohmann::json& object);

// Its name and labels, or nullopt when the object has no metadata at all. Throws DecodeError with the
// field path ("metadata.labels") for fields of the wrong type.
std::optional<NamespaceObject> decodeNamespace(const nlohmann::json& object);

// A Namespace object's decoding, done once where the object is read (kube::Manifest's constructor) for
// every reader: lint's Pod Security levels, the NetworkPolicy model, the audit. A DecodeError is kept and
// rethrown by get(), so each reader reports it as it always did.
class DecodedNamespace {
 public:
  DecodedNamespace() = default;  // no Namespace: get() is nullptr
  static DecodedNamespace of(const nlohmann::json& object);  // none unless isNamespace(object)

  // Its name and labels; nullptr for other kinds and for a Namespace without metadata. Throws the DecodeError.
  const NamespaceObject* get() const {
    if (error_) throw *error_;
    return namespace_ ? &*namespace_ : nullptr;
  }

 private:
  std::optional<NamespaceObject> namespace_;
  std::optional<DecodeError> error_;
};

}  // namespace kube
