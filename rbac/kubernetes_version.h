#pragma once
// The Kubernetes versions kguard's RBAC analysis models (`--kubernetes-version`): which built-in roles
// exist (builtin_roles.h) and which requests the API server authorizes for an action (pods/exec,
// escalation_paths.h). Only 1.x versions; the minor number is the version.
#include <string>
#include <vector>

namespace rbac {

inline constexpr int kOldestKubernetesMinor = 20;
// 1.36: its built-in roles are upstream development copies, not a release's (rbac/builtin/README.md).
inline constexpr int kNewestKubernetesMinor = 36;

// "1.36" for 36.
std::string kubernetesVersionName(int minor);

// The minor number of "1.35", "v1.35" or "1.35.2", within the supported range. Throws
// std::invalid_argument naming the supported range otherwise.
int parseKubernetesVersion(const std::string& text);

// The supported minor to assume for an API server reporting MAJOR.MINOR (GET /version): its own when
// supported, else the nearest supported one, with `note` saying so ("" when none is needed).
int supportedMinorForServer(int major, int minor, const std::string& gitVersion, std::string& note);

}  // namespace rbac
