#pragma once
// The seccomp profile types both seccomp checks accept (upstream validSeccomp), and the legacy
// annotations the baseline check reads before v1.19 (shared with lint, which points at them).
#include <string>

namespace podsecurity::checks {

inline bool validSeccompType(const std::string& type) { return type == "RuntimeDefault" || type == "Localhost"; }

inline const std::string kSeccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
inline const std::string kSeccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";

inline bool validSeccompAnnotationValue(const std::string& v) {
  return v == "runtime/default" || v == "docker/default" || v.rfind("localhost/", 0) == 0;
}

}  // namespace podsecurity::checks
