#include "netpol/agent/deny_log_reader.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "netpol/agent/netns.h"
#include "runtime/log.h"

namespace netpol::agent {

DenyLogReader::DenyLogReader(uint16_t group, const DenyRuleIds& ids, std::FILE* out, AgentMetrics* metrics)
    : group_(group), ids_(ids), out_(out), metrics_(metrics) {
  wakeFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

DenyLogReader::~DenyLogReader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake();
  thread_.join();
  close(wakeFd_);
}

std::optional<std::string> DenyLogReader::follow(const Netns& ns) {
  auto inode = static_cast<uint64_t>(ns.inode());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (subscriptions_.count(inode)) return std::nullopt;
  }
  std::unique_ptr<NflogSubscription> subscription;
  try {
    subscription = std::make_unique<NflogSubscription>(ns, group_);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    subscriptions_.emplace(inode, std::move(subscription));
  }
  wake();
  return std::nullopt;
}

void DenyLogReader::keepOnly(const std::set<uint64_t>& alive) {
  bool changed = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
      if (alive.count(it->first)) {
        ++it;
        continue;
      }
      retired_.push_back(std::move(it->second));
      it = subscriptions_.erase(it);
      changed = true;
    }
  }
  if (changed) wake();
}

void DenyLogReader::wake() {
  uint64_t one = 1;
  (void)!write(wakeFd_, &one, sizeof one);
}

void DenyLogReader::print(const LoggedPacket& packet) {
  auto rule = resolveDenyPrefix(ids_, packet.prefix);
  std::string line = denyLogJson(packet, rule) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  if (metrics_) metrics_->deniedPackets.inc({rule ? rule->tier : "", rule ? rule->policy : ""});
}

void DenyLogReader::run() {
  std::vector<pollfd> fds;
  std::vector<NflogSubscription*> readers;  // readers[i] polls fds[i + 1]
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      retired_.clear();  // not polled since the last wake-up
      fds.assign(1, pollfd{wakeFd_, POLLIN, 0});
      readers.clear();
      for (auto& [inode, subscription] : subscriptions_) {
        fds.push_back(pollfd{subscription->fd(), POLLIN, 0});
        readers.push_back(subscription.get());
      }
    }
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      runtime::log(runtime::LogLevel::Error, std::string("deny log: poll: ") + std::strerror(errno));
      return;
    }
    uint64_t ignored;
    (void)!read(wakeFd_, &ignored, sizeof ignored);
    std::lock_guard<std::mutex> lock(mutex_);  // keepOnly retires, never closes, what is polled here
    bool printed = false;
    for (size_t i = 0; i < readers.size(); ++i) {
      if (!(fds[i + 1].revents & POLLIN)) continue;
      try {
        auto lost = readers[i]->lost();
        readers[i]->drain([&](const LoggedPacket& packet) {
          print(packet);
          printed = true;
        });
        if (readers[i]->lost() != lost)
          runtime::log(runtime::LogLevel::Warn, "deny log: the receive buffer overflowed, some packets were not logged");
      } catch (const std::exception& e) {
        runtime::log(runtime::LogLevel::Warn, std::string("deny log: ") + e.what());
      }
    }
    if (printed) std::fflush(out_);
  }
}

}  // namespace netpol::agent
