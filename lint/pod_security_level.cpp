#include "lint/pod_security_level.h"

#include "kube/manifest.h"

namespace lint {
namespace {

const char* const kEnforceLabel = "pod-security.kubernetes.io/enforce";
const char* const kEnforceVersionLabel = "pod-security.kubernetes.io/enforce-version";

podsecurity::Level requireLevel(const std::string& text, const std::string& what) {
  auto level = podsecurity::parseLevel(text);
  if (!level) throw kube::InputError(what + ": invalid level \"" + text + "\" (privileged, baseline or restricted)");
  return *level;
}

podsecurity::Version requireVersion(const std::string& text, const std::string& what) {
  auto version = podsecurity::parseVersion(text);
  if (!version) throw kube::InputError(what + ": invalid version \"" + text + "\" (v1.N or latest)");
  return *version;
}

}  // namespace

LevelChooser::LevelChooser(const std::optional<std::string>& levelFlag, const std::optional<std::string>& versionFlag,
                           const std::string& configLevel, const std::string& configVersion)
    : defaultLevel_(requireLevel(configLevel, "config lint.level")),
      defaultVersion_(requireVersion(configVersion, "config lint.version")) {
  if (levelFlag) flagLevel_ = requireLevel(*levelFlag, "--level");
  if (versionFlag) flagVersion_ = requireVersion(*versionFlag, "--version");
}

podsecurity::LevelVersion LevelChooser::forNamespace(const kube::StringMap* labels) const {
  podsecurity::LevelVersion out{defaultLevel_, defaultVersion_};
  if (labels) {
    if (auto it = labels->find(kEnforceLabel); it != labels->end())
      out.level = podsecurity::parseLevel(it->second).value_or(podsecurity::Level::Restricted);
    if (auto it = labels->find(kEnforceVersionLabel); it != labels->end())
      out.version = podsecurity::parseVersion(it->second).value_or(podsecurity::Version::latest());
  }
  if (flagLevel_) out.level = *flagLevel_;
  if (flagVersion_) out.version = *flagVersion_;
  return out;
}

}  // namespace lint
