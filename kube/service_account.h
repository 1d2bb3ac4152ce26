#pragma once
// A core/v1 ServiceAccount as kguard reads it: the Secrets it lists (its metadata is the manifest's,
// kube::Manifest::metadata). Decoded once where the object is read (kube::Manifest).
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace kube {

struct ServiceAccountObject {
  std::vector<std::string> secrets;  // secrets[].name, the items that name one
};

// kind ServiceAccount, apiVersion v1.
bool isServiceAccount(const nlohmann::json& object);

// Throws DecodeError with the field path ("secrets[0].name") for fields of the wrong type.
ServiceAccountObject decodeServiceAccount(const nlohmann::json& object);

}  // namespace kube
