#pragma once
// The verifier of rules.imageSignatures over the configuration's registries, as `kguard lint
// --verify-images` and `kguard audit` build it: the webhook's CosignVerifier and cache, asking the
// registries the configuration names (others over HTTPS with the system CAs, anonymous).
#include <string>
#include <vector>

#include "images/registry_clients.h"
#include "images/verification_cache.h"

namespace cli {

class ConfiguredImageVerifier {
 public:
  explicit ConfiguredImageVerifier(const std::vector<images::RegistryHost>& registries)
      : registries_(registries),
        cache_(images::CosignVerifier([this](const std::string& host) { return registries_.forHost(host); })) {}
  ConfiguredImageVerifier(const ConfiguredImageVerifier&) = delete;
  ConfiguredImageVerifier& operator=(const ConfiguredImageVerifier&) = delete;

  images::VerificationCache& cache() { return cache_; }

 private:
  images::RegistryClients registries_;
  images::VerificationCache cache_;
};

}  // namespace cli
