#include "rbac/kubernetes_version.h"

#include <cctype>
#include <stdexcept>

namespace rbac {

std::string kubernetesVersionName(int minor) { return "1." + std::to_string(minor); }

int parseKubernetesVersion(const std::string& text) {
  std::string rest = !text.empty() && text[0] == 'v' ? text.substr(1) : text;
  int minor = -1;
  if (rest.compare(0, 2, "1.") == 0) {
    std::size_t end = 2;
    while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end])) && end < 5) ++end;
    bool patchOrEnd = end == rest.size() || rest[end] == '.';
    if (end > 2 && patchOrEnd) minor = std::stoi(rest.substr(2, end - 2));
  }
  if (minor < kOldestKubernetesMinor || minor > kNewestKubernetesMinor)
    throw std::invalid_argument("unsupported Kubernetes version '" + text + "' (supported: " +
                                kubernetesVersionName(kOldestKubernetesMinor) + " to " +
                                kubernetesVersionName(kNewestKubernetesMinor) + ")");
  return minor;
}

int supportedMinorForServer(int major, int minor, const std::string& gitVersion, std::string& note) {
  note.clear();
  const std::string reported = "the server reports " + gitVersion + " (" + std::to_string(major) + "." + std::to_string(minor) + ")";
  if (major != 1) {
    note = reported + ", which is no Kubernetes 1.x: assuming " + kubernetesVersionName(kNewestKubernetesMinor);
    return kNewestKubernetesMinor;
  }
  if (minor < kOldestKubernetesMinor) {
    note = reported + ", older than the oldest supported " + kubernetesVersionName(kOldestKubernetesMinor) +
           ": assuming " + kubernetesVersionName(kOldestKubernetesMinor);
    return kOldestKubernetesMinor;
  }
  if (minor > kNewestKubernetesMinor) {
    note = reported + ", newer than the newest supported " + kubernetesVersionName(kNewestKubernetesMinor) +
           ": assuming " + kubernetesVersionName(kNewestKubernetesMinor);
    return kNewestKubernetesMinor;
  }
  return minor;
}

}  // namespace rbac
