#pragma once
// Typed decoding of Role, ClusterRole, RoleBinding and ClusterRoleBinding objects
// (rbac.authorization.k8s.io v1, also v1beta1/v1alpha1 which share the shape).
#include <optional>
#include <string>
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

// Every RBAC object of an input, each decoded once: the well-formed ones form `policy`, and `objects`
// says what each RBAC manifest became, for readers that judge one object at a time (lint's guardrails
// judge a binding by its role in the same input).
struct DecodedPolicy {
  struct Object {
    size_t manifest = 0;            // index among the manifests decoded
    std::optional<size_t> role;     // into policy.roles
    std::optional<size_t> binding;  // into policy.bindings
    std::string error;              // neither: why not, naming file, document, line and field
  };
  Policy policy;                // the well-formed objects, input order
  std::vector<Object> objects;  // every RBAC manifest, input order
  const Object* objectOf(size_t manifest) const;  // null for other kinds
};

// Other kinds are skipped; a malformed object is an Object with its error, left out of the policy.
DecodedPolicy decodeObjects(const std::vector<kube::Manifest>& manifests);

enum class Malformed { Throw, Skip };

// Every RBAC object among the manifests (other kinds are skipped), in input order. Throws
// kube::InputError naming file, document, line and field on malformed objects, or leaves them out
// with Malformed::Skip (when something else reports them).
Policy decodePolicy(const std::vector<kube::Manifest>& manifests, Malformed malformed = Malformed::Throw);

}  // namespace rbac
