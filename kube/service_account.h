#pragma once
// A core/v1 ServiceAccount as kguard reads it: the Secrets it lists (its metadata is the manifest's,
// kube::Manifest::metadata). Decoded once where the object is read (kube::Manifest).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace kube {

// Where the ServiceAccount admission plugin mounts a pod's API token and service-account credentials
// (DefaultAPITokenMountPath, plugin/pkg/admission/serviceaccount/admission.go), in every container.
constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct ServiceAccountObject {
  std::vector<std::string> secrets;  // secrets[].name, the items that name one
  // Its pods' default when they leave their own unset (the ServiceAccount admission plugin).
  std::optional<bool> automountServiceAccountToken;
};

// kind ServiceAccount, apiVersion v1.
bool isServiceAccount(const nlohmann::json& object);

// Throws DecodeError with the field path ("secrets[0].name") for fields of the wrong type.
ServiceAccountObject decodeServiceAccount(const nlohmann::json& object);

}  // namespace kube
