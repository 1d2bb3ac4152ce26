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

}  // namespace rbac
