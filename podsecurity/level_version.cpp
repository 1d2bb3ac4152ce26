#include "podsecurity/level_version.h"

#include <limits>
#include <stdexcept>

namespace podsecurity {

std::optional<Level> parseLevel(std::string_view text) {
  // Upstream api.ParseLevel: exact, case-sensitive names.
  if (text == "privileged") return Level::Privileged;
  if (text == "baseline") return Level::Baseline;
  if (text == "restricted") return Level::Restricted;
  return std::nullopt;
}

const char* toString(Level level) {
  switch (level) {
    case Level::Privileged: return "privileged";
    case Level::Baseline: return "baseline";
    case Level::Restricted: return "restricted";
  }
  return "restricted";
}

Version Version::v1(int64_t minor) {
  if (minor < 0) throw std::invalid_argument("policy version minor must not be negative");
  return Version(minor, false);
}

std::string Version::toString() const { return latest_ ? "latest" : "v1." + std::to_string(minor_); }

bool Version::olderThan(const Version& other) const {
  if (latest_) return false;
  if (other.latest_) return true;
  return minor_ < other.minor_;
}

std::optional<Version> parseVersion(std::string_view text) {
  // Upstream api.ParseVersion: "latest" or ^v1\.(0|[1-9][0-9]*)$, the number parsed as a Go int.
  if (text == "latest") return Version::latest();
  if (text.size() < 4 || text.substr(0, 3) != "v1.") return std::nullopt;
  std::string_view digits = text.substr(3);
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  int64_t minor = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    if (minor > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return std::nullopt;  // Atoi overflow
    minor = minor * 10 + (c - '0');
  }
  return Version::v1(minor);
}

std::string LevelVersion::toString() const { return std::string(podsecurity::toString(level)) + ":" + version.toString(); }

}  // namespace podsecurity
