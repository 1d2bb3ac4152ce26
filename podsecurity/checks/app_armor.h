#pragma once
// The AppArmor profiles the baseline check allows (upstream check_appArmorProfile.go), shared with
// lint, which points at the field or annotation that sets another one.
#include <string>

namespace podsecurity::checks {

inline const std::string kAppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

inline bool allowedAppArmorAnnotationValue(const std::string& value) {
  return value.empty() || value == "runtime/default" || value.rfind("localhost/", 0) == 0;
}

inline bool allowedAppArmorProfileType(const std::string& type) { return type == "RuntimeDefault" || type == "Localhost"; }

}  // namespace podsecurity::checks
