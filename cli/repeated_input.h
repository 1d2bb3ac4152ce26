#pragma once
// Objects given twice in -f input (kube/repeated_objects.h): one warning per repetition on stderr, for
// every command that reads manifests, worded the same way.
#include <iostream>
#include <string>
#include <vector>

#include "kube/repeated_objects.h"

namespace cli {

// For commands that judge the state the input describes (netpol, rbac, audit): the later copy replaces
// the earlier, as `kubectl apply -f` leaves it. `command` is "kguard netpol" etc.
inline std::vector<kube::Manifest> keepAppliedState(std::vector<kube::Manifest> manifests, const std::string& command) {
  const auto repeats = kube::findRepeatedObjects(manifests);
  for (const auto& r : repeats)
    std::cerr << command << ": warning: " << kube::describeRepeat(manifests, r)
              << "; the later one is used, as kubectl apply would leave it\n";
  return kube::keepLastOfEach(std::move(manifests), repeats);
}

// For lint, which judges each object as admission would see it: both copies are checked.
inline void warnRepeatedObjects(const std::vector<kube::Manifest>& manifests, const std::string& defaultNamespace) {
  for (const auto& r : kube::findRepeatedObjects(manifests, defaultNamespace))
    std::cerr << "kguard lint: warning: " << kube::describeRepeat(manifests, r)
              << "; both are checked, and kubectl apply would replace the first by the second\n";
}

}  // namespace cli
