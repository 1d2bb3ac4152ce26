#include "images/host_resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "images/registry_client.h"  // RegistryError

namespace images {
namespace {

// Lookups abandoned when their budget ended but still blocked in getaddrinfo. Bounded so that a DNS
// outage under admission load cannot pile up threads without limit.
std::atomic<int> unfinishedLookups{0};
constexpr int kMaxUnfinishedLookups = 64;

struct Lookup {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  int status = 0;
  std::vector<std::string> addresses;
};

void runLookup(const std::shared_ptr<Lookup>& lookup, const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  int status = getaddrinfo(host.c_str(), port.c_str(), &hints, &result);
  std::vector<std::string> addresses;
  for (addrinfo* a = status == 0 ? result : nullptr; a; a = a->ai_next) {
    char numeric[NI_MAXHOST];
    if (getnameinfo(a->ai_addr, a->ai_addrlen, numeric, sizeof numeric, nullptr, 0, NI_NUMERICHOST) != 0) continue;
    if (std::find(addresses.begin(), addresses.end(), numeric) == addresses.end()) addresses.emplace_back(numeric);
  }
  if (result) freeaddrinfo(result);
  std::lock_guard<std::mutex> lock(lookup->mutex);
  lookup->status = status;
  lookup->addresses = std::move(addresses);
  lookup->done = true;
  lookup->finished.notify_all();
}

}  // namespace

std::vector<std::string> resolveHostWithin(const std::string& host, int port, const Deadline& deadline) {
  using Kind = RegistryError::Kind;
  if (deadline.expired()) throw RegistryError(Kind::Unreachable, "timed out resolving " + host);
  if (unfinishedLookups.load() >= kMaxUnfinishedLookups)
    throw RegistryError(Kind::Unreachable, "timed out resolving " + host + ": " + std::to_string(kMaxUnfinishedLookups) +
                                               " earlier host-name lookups are still unanswered");
  auto lookup = std::make_shared<Lookup>();
  ++unfinishedLookups;
  try {
    std::thread([lookup, host, port = std::to_string(port)] {
      runLookup(lookup, host, port);
      --unfinishedLookups;
    }).detach();
  } catch (const std::system_error& e) {
    --unfinishedLookups;
    throw RegistryError(Kind::Unreachable, "cannot resolve " + host + ": no thread for the lookup: " + e.what());
  }
  std::unique_lock<std::mutex> lock(lookup->mutex);
  if (!lookup->finished.wait_until(lock, deadline.at, [&] { return lookup->done; }))
    throw RegistryError(Kind::Unreachable, "timed out resolving " + host);
  if (lookup->status != 0)
    throw RegistryError(Kind::Unreachable, "cannot resolve " + host + ": " + gai_strerror(lookup->status));
  if (lookup->addresses.empty()) throw RegistryError(Kind::Unreachable, "cannot resolve " + host + ": no address");
  return lookup->addresses;
}

}  // namespace images
