#pragma once
// The API server's own RBAC objects — the bootstrap policy kube-apiserver creates at start
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy: ClusterRoles, ClusterRoleBindings, and Roles and
// RoleBindings in kube-system and kube-public) — shipped for the supported Kubernetes versions as
// upstream's golden files (rbac/builtin/1.NN/*.yaml, compiled into the binary by embed.cmake), so that
// manifests binding cluster-admin, admin, edit, view or system:* roles are evaluated as in a cluster.
#include <string>
#include <vector>

#include "kube/manifest.h"
#include "kube/object_meta.h"
#include "rbac/policy.h"

namespace rbac {

struct BuiltinRolesFile {
  int minor;         // Kubernetes 1.minor
  const char* name;  // "cluster-roles.yaml"
  const char* text;
};
// Every embedded file, in version order (generated).
const std::vector<BuiltinRolesFile>& builtinRolesFiles();

// The shipped version used for Kubernetes 1.minor: the newest one not after it.
int builtinRolesVersionFor(int minor);
// How notes name a shipped version's data: "Kubernetes 1.20", or "Kubernetes 1.36 development" for data
// taken from upstream's development branch rather than a release (rbac/builtin/SOURCES).
std::string builtinRolesName(int dataMinor);

// That version's objects, as manifests from files named "built-in Kubernetes 1.20/cluster-roles.yaml".
std::vector<kube::Manifest> builtinRbacManifests(int minor);
// Whether a source file name is one of those (no file on disk: reports point at nothing).
bool isBuiltinSource(const std::string& file);

// The input plus the built-in objects it does not define itself (same kind, namespace and name: the
// input's object wins, as a cluster's stored object does), appended after the input's.
Policy withBuiltinRoles(Policy input, int minor);

// Whether an object is one of the API server's own: labelled kubernetes.io/bootstrapping=rbac-defaults
// and a bootstrap object of that kind and name in some shipped version. (The label alone can be put on
// any manifest.)
bool isBootstrapObject(bool binding, bool clusterScoped, const std::string& namespace_, const std::string& name,
                       const kube::StringMap& labels);

}  // namespace rbac
