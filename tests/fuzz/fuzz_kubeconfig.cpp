// kubeconfig parsing (kguard webhook / rbac / netpol agent --kubeconfig FILE), YAML or JSON.
#include <cstdint>
#include <string>

#include "kube/kubeconfig.h"
#include "kube/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    kube::parseKubeconfig(text, "fuzz-kubeconfig", "/nonexistent", "");
  } catch (const kube::InputError&) {
  }
  return 0;
}
