#pragma once
// Pod Security Standards levels and policy versions, as named in namespace labels
// (`pod-security.kubernetes.io/enforce: restricted`, `...-version: v1.30`). Parsing follows upstream
// Pod Security Admission's api package: levels are exact lower-case names, versions are "latest" or
// "v1.<minor>" without leading zeros; anything else is invalid (nullopt), so that callers can apply
// upstream's defaults for invalid labels.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace podsecurity {

enum class Level { Privileged, Baseline, Restricted };

std::optional<Level> parseLevel(std::string_view text);
const char* toString(Level level);

// A policy version: "latest" or v1.<minor>. Upstream only ever defines major version 1.
class Version {
 public:
  static Version latest() { return Version(0, true); }
  // v1.<minor>; throws std::invalid_argument for a negative minor.
  static Version v1(int64_t minor);

  bool isLatest() const { return latest_; }
  int64_t minor() const { return minor_; }  // 0 for latest
  std::string toString() const;           // "latest" / "v1.30"

  // Upstream's Version.Older: latest is newer than every numbered version.
  bool olderThan(const Version& other) const;
  bool operator==(const Version& other) const { return latest_ == other.latest_ && minor_ == other.minor_; }
  bool operator!=(const Version& other) const { return !(*this == other); }

 private:
  Version(int64_t minor, bool latest) : minor_(minor), latest_(latest) {}
  int64_t minor_;
  bool latest_;
};

std::optional<Version> parseVersion(std::string_view text);

struct LevelVersion {
  Level level = Level::Restricted;
  Version version = Version::latest();

  std::string toString() const;  // "restricted:v1.30" / "baseline:latest"
};

}  // namespace podsecurity
