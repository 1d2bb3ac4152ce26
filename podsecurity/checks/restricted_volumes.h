#pragma once
// Which volume sources the restricted level forbids (upstream check_restrictedVolumes.go), shared
// with lint, which points at the first forbidden one.
#include <string>
#include <string_view>
#include <vector>

namespace podsecurity::checks {

// The restricted type that makes a volume with these sources (keys as written) forbidden, "" when allowed.
std::string_view restrictedVolumeType(const std::vector<std::string>& sources);

}  // namespace podsecurity::checks
