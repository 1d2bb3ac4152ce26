// The kernel adapter (kernel_datapath.h).
#include "netpol/agent/kernel_datapath.h"

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "netpol/agent/deny_log_reader.h"
#include "netpol/agent/netns.h"
#include "netpol/agent/nft_batch.h"
#include "runtime/log.h"

namespace netpol::agent {
namespace {

// Addresses that never carry the node's traffic to a pod's IP: loopback stays on the host, and an IPv6
// link-local source only answers link-local destinations. Leaving out fe80:: also keeps each new pod's
// host-side veth (which gets one) from changing every pod's node set.
bool neverTowardsPods(const IpAddress& ip) {
  static const auto loopback4 = *parseCidr("127.0.0.0/8");
  static const auto linkLocal6 = *parseCidr("fe80::/10");
  if (ip.family == Family::V4) return loopback4.contains(ip);
  return (ip.hi == 0 && ip.lo == 1) || linkLocal6.contains(ip);
}

// CPU time of the calling thread so far.
double threadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

class KernelDatapath : public Datapath {
 public:
  explicit KernelDatapath(DenyLogReader* denyLog) : denyLog_(denyLog) {}

  std::vector<NamespaceInfo> namespaces() override {
    open_ = discoverNetns();
    for (auto it = sockets_.begin(); it != sockets_.end();)  // namespaces gone: let them go
      it = find(it->first) ? std::next(it) : sockets_.erase(it);
    if (denyLog_) {
      std::set<uint64_t> alive;
      for (const auto& ns : open_) alive.insert(static_cast<uint64_t>(ns.inode()));
      denyLog_->keepOnly(alive);
    }
    std::vector<NamespaceInfo> out;
    for (const auto& ns : open_) {
      NamespaceInfo info{static_cast<uint64_t>(ns.inode()), ns.path(), {}};
      try {
        info.addresses = interfaceAddresses(ns);
      } catch (const std::exception&) {
        continue;  // the namespace went away while we looked
      }
      out.push_back(std::move(info));
    }
    return out;
  }

  std::optional<std::string> install(const NamespaceInfo& ns, const Ruleset&, const nft::Table& table,
                                     const nft::Table* installed, InstallTiming* timing) override {
    const Netns* target = find(ns.id);
    if (!target) return std::string("namespace is gone");
    InstallTiming spent;
    auto timed = [](double& ms, auto&& work) {
      auto start = std::chrono::steady_clock::now();
      auto result = work();
      ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      return result;
    };
    auto commit = [&](const NftBatch& batch) {
      const double cpuStart = threadCpuMs();
      auto result = timed(spent.commitMs, [&] { return apply(*target, batch); });
      spent.commitCpuMs += threadCpuMs() - cpuStart;
      return result;
    };
    uint32_t seq = nextSeq();  // fresh sequence numbers per batch keep stale answers apart
    std::optional<std::string> error;
    // An update when the chains are the same (only what changed, buildUpdateBatch); the whole table
    // otherwise, and also when the update fails (the kernel's table is not what this agent installed,
    // e.g. someone edited it).
    UpdateCounts counts;
    auto update =
        installed ? timed(spent.batchMs, [&] { return buildUpdateBatch(*installed, table, seq, &counts); }) : std::nullopt;
    spent.update = update && !(error = commit(*update));
    if (spent.update) {
      spent.messages = update->messageCount();
      spent.deleted = counts.deleted;
      spent.added = counts.added;
      spent.recreatedSets = counts.recreatedSets;
      spent.addedSets = counts.addedSets;
      spent.removedSets = counts.removedSets;
    } else {
      auto replace = timed(spent.batchMs, [&] { return buildReplaceBatch(table, nextSeq()); });
      error = commit(replace);
      spent.messages = replace.messageCount();
    }
    if (timing) *timing = spent;
    if (!error && denyLog_) {  // its drop rules log into this namespace's NFLOG group
      if (auto problem = denyLog_->follow(*target))
        runtime::log(runtime::LogLevel::Warn, "deny log: cannot read " + target->path() + ": " + *problem);
    }
    return error;
  }

  bool hasTable(const NamespaceInfo& ns) override {
    const Netns* target = find(ns.id);
    if (!target) return false;
    try {
      return hasKguardTable(*target);
    } catch (const std::exception&) {
      return false;  // cannot tell: hold it (fail closed)
    }
  }

  std::vector<IpAddress> nodeInterfaceAddresses() override {
    std::vector<IpAddress> out;
    try {
      int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return out;
      for (const auto& ip : interfaceAddresses(Netns(fd, "/proc/self/ns/net", 0)))
        if (!neverTowardsPods(ip)) out.push_back(ip);
    } catch (const std::exception&) {
      return nodeInterfaceAddresses_;  // could not look: keep what was found last time
    }
    std::sort(out.begin(), out.end());
    nodeInterfaceAddresses_ = out;
    return out;
  }

  // Two CPUs' worth of installs besides the reconciler's own thread (which compiles the next pods, then
  // helps): an install's time is mostly the kernel's, spent in the installing thread's sendmsg.
  unsigned installWorkers() const override { return std::clamp(std::thread::hardware_concurrency(), 1u, 4u); }

  std::optional<std::string> remove(const NamespaceInfo& ns) override {
    const Netns* target = find(ns.id);
    if (!target) return std::nullopt;  // nothing left to clean
    return apply(*target, buildDeleteBatch(nextSeq()));
  }

 private:
  const Netns* find(uint64_t id) const {
    for (const auto& ns : open_)
      if (static_cast<uint64_t>(ns.inode()) == id) return &ns;
    return nullptr;
  }
  uint32_t nextSeq() { return seq_ += 1000000; }
  // Threads install into different namespaces at once (installWorkers): each has its own socket, and
  // only the map of sockets is shared.
  std::optional<std::string> apply(const Netns& ns, const NftBatch& batch) {
    try {
      NftSocket* socket = nullptr;
      {
        std::lock_guard<std::mutex> lock(socketsMutex_);
        socket = sockets_[static_cast<uint64_t>(ns.inode())].get();
      }
      if (!socket) {  // opened outside the lock (a thread joins the namespace for it)
        auto opened = std::make_unique<NftSocket>(ns);
        std::lock_guard<std::mutex> lock(socketsMutex_);
        socket = (sockets_[static_cast<uint64_t>(ns.inode())] = std::move(opened)).get();
      }
      return socket->apply(batch);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }

  DenyLogReader* denyLog_;  // null: --deny-log not given
  std::vector<IpAddress> nodeInterfaceAddresses_;
  std::vector<Netns> open_;
  std::mutex socketsMutex_;
  std::map<uint64_t, std::unique_ptr<NftSocket>> sockets_;  // one kept open per programmed namespace
  std::atomic<uint32_t> seq_{static_cast<uint32_t>(time(nullptr))};
};

}  // namespace

std::unique_ptr<Datapath> makeKernelDatapath(DenyLogReader* denyLog) {
  return std::make_unique<KernelDatapath>(denyLog);
}

}  // namespace netpol::agent
