#pragma once
// The seccomp profile types both seccomp checks accept (upstream validSeccomp).
#include <string>

namespace podsecurity::checks {

inline bool validSeccompType(const std::string& type) { return type == "RuntimeDefault" || type == "Localhost"; }

}  // namespace podsecurity::checks
