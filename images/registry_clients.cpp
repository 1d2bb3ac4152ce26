#include "images/registry_clients.h"

namespace images {

RegistryClients::RegistryClients(const std::vector<RegistryHost>& hosts) {
  for (const auto& h : hosts) options_[registryServer(h.host)] = h.options;
}

std::shared_ptr<const RegistryClient> RegistryClients::forHost(const std::string& apiHost) {
  const std::string server = registryServer(apiHost);
  std::lock_guard<std::mutex> lock(mutex_);
  auto& client = clients_[server];
  if (!client) {
    auto found = options_.find(server);
    client = std::make_shared<const RegistryClient>(server, found == options_.end() ? RegistryOptions{} : found->second);
  }
  return client;
}

}  // namespace images
