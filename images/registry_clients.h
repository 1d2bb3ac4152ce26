#pragma once
// How kguard reaches each registry (the configuration's `registries`), and one shared RegistryClient per
// host, so that bearer tokens are reused across verifications.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "images/image_reference.h"
#include "images/registry_client.h"

namespace images {

struct RegistryHost {
  std::string host;  // host[:port] as images name it ("registry.example.com", "127.0.0.1:5000", "docker.io")
  RegistryOptions options;
};

class RegistryClients {
 public:
  explicit RegistryClients(const std::vector<RegistryHost>& hosts);
  // The client for an API host; hosts not configured get HTTPS with the system CAs, anonymous.
  std::shared_ptr<const RegistryClient> forHost(const std::string& apiHost);

 private:
  std::map<std::string, RegistryOptions> options_;  // by API host
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const RegistryClient>> clients_;
};

}  // namespace images
