#pragma once
// Typed decoding of Role, ClusterRole, RoleBinding and ClusterRoleBinding objects
// (rbac.authorization.k8s.io v1, also v1beta1/v1alpha1 which share the shape).
#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/manifest.h"
#include "rbac/policy.h"

namespace rbac {

enum class RbacKind { Role, ClusterRole, RoleBinding, ClusterRoleBinding };

// The RBAC kind of an object, or nullopt for anything else (other kinds and other API groups).
std::optional<RbacKind> rbacKindOf(const nlohmann::json& object);

// Decoders for one object of a known kind; throw kube::DecodeError with the field path.
Role decodeRole(const nlohmann::json& object);
Binding decodeBinding(const nlohmann::json& object);

enum class Malformed { Throw, Skip };

// Every RBAC object among the manifests (other kinds are skipped), in input order. Throws
// kube::InputError naming file, document, line and field on malformed objects, or leaves them out
// with Malformed::Skip (when something else reports them).
Policy decodePolicy(const std::vector<kube::Manifest>& manifests, Malformed malformed = Malformed::Throw);

}  // namespace rbac
