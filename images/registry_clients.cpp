#include "images/registry_clients.h"

namespace images {

namespace {
// The server a host names, whatever its spelling (case, :443, a port's leading zeros, index.docker.io).
std::string serverOf(const std::string& host) { return apiHostOf(canonicalRegistry(host)); }
}  // namespace

RegistryClients::RegistryClients(const std::vector<RegistryHost>& hosts) {
  for (const auto& h : hosts) options_[serverOf(h.host)] = h.options;
}

std::shared_ptr<const RegistryClient> RegistryClients::forHost(const std::string& apiHost) {
  const std::string server = serverOf(apiHost);
  std::lock_guard<std::mutex> lock(mutex_);
  auto& client = clients_[server];
  if (!client) {
    auto found = options_.find(server);
    client = std::make_shared<const RegistryClient>(server, found == options_.end() ? RegistryOptions{} : found->second);
  }
  return client;
}

}  // namespace images
