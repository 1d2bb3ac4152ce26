#include "images/registry_clients.h"

namespace images {

RegistryClients::RegistryClients(const std::vector<RegistryHost>& hosts) {
  for (const auto& h : hosts) options_[apiHostOf(h.host)] = h.options;
}

std::shared_ptr<const RegistryClient> RegistryClients::forHost(const std::string& apiHost) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& client = clients_[apiHost];
  if (!client) {
    auto found = options_.find(apiHost);
    client = std::make_shared<const RegistryClient>(apiHost, found == options_.end() ? RegistryOptions{} : found->second);
  }
  return client;
}

}  // namespace images
