#pragma once
// Which Pod Security level and version lint judges an object's namespace against.
#include <map>
#include <optional>
#include <string>

#include "kube/object_meta.h"
#include "webhook/podsecurity/level_version.h"

namespace lint {

// --level/--version win; else the namespace's pod-security.kubernetes.io/enforce[-version] labels
// (an invalid level reads as restricted and an invalid version as latest, as upstream admission
// does); else the config default.
class LevelChooser {
 public:
  // Throws kube::InputError when a flag or the config names an invalid level or version.
  LevelChooser(const std::optional<std::string>& levelFlag, const std::optional<std::string>& versionFlag,
               const std::string& configLevel, const std::string& configVersion);

  podsecurity::LevelVersion forNamespace(const kube::StringMap* namespaceLabels) const;

 private:
  std::optional<podsecurity::Level> flagLevel_;
  std::optional<podsecurity::Version> flagVersion_;
  podsecurity::Level defaultLevel_;
  podsecurity::Version defaultVersion_;
};

}  // namespace lint
