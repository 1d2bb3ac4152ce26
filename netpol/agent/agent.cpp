#include "netpol/agent/agent.h"

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "kube/manifest.h"
#include "netpol/agent/netns.h"
#include "netpol/agent/ruleset_inputs.h"
#include "netpol/decode.h"
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

class KernelDatapath : public Datapath {
 public:
  explicit KernelDatapath(const RenderOptions& options) : options_(options) {}

  std::vector<NamespaceInfo> namespaces() override {
    open_ = discoverNetns();
    for (auto it = sockets_.begin(); it != sockets_.end();)  // namespaces gone: let them go
      it = find(it->first) ? std::next(it) : sockets_.erase(it);
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

  std::optional<std::string> install(const NamespaceInfo& ns, const Ruleset& ruleset) override {
    const Netns* target = find(ns.id);
    if (!target) return std::string("namespace is gone");
    seq_ += 1000000;  // fresh sequence numbers per batch keep stale answers apart
    return apply(*target, buildReplaceBatch(ruleset, options_, seq_));
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

  std::optional<std::string> remove(const NamespaceInfo& ns) override {
    const Netns* target = find(ns.id);
    if (!target) return std::nullopt;  // nothing left to clean
    seq_ += 1000000;
    return apply(*target, buildDeleteBatch(seq_));
  }

 private:
  const Netns* find(uint64_t id) const {
    for (const auto& ns : open_)
      if (static_cast<uint64_t>(ns.inode()) == id) return &ns;
    return nullptr;
  }
  std::optional<std::string> apply(const Netns& ns, const NftBatch& batch) {
    try {
      auto& socket = sockets_[static_cast<uint64_t>(ns.inode())];
      if (!socket) socket = std::make_unique<NftSocket>(ns);
      return socket->apply(batch);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }

  RenderOptions options_;
  std::vector<IpAddress> nodeInterfaceAddresses_;
  std::vector<Netns> open_;
  std::map<uint64_t, std::unique_ptr<NftSocket>> sockets_;  // one kept open per programmed namespace
  uint32_t seq_ = static_cast<uint32_t>(time(nullptr));
};

void log(const std::string& message) { runtime::log(runtime::LogLevel::Info, message); }

}  // namespace

std::unique_ptr<Datapath> makeKernelDatapath(const RenderOptions& options) {
  return std::make_unique<KernelDatapath>(options);
}

const Pod* Agent::podFor(const Cluster& cluster, const NamespaceInfo& ns) const {
  for (const auto& ip : ns.addresses) {
    const Pod* pod = cluster.podWithIp(ip);
    if (pod && (nodeName_.empty() || pod->nodeName == nodeName_)) return pod;
  }
  return nullptr;
}

Ruleset denyAllRuleset() {
  Ruleset rs;
  rs.pod = "(not yet synced)";
  rs.ingress.isolatingPolicies = {"kguard default-deny until synced"};
  rs.egress.isolatingPolicies = {"kguard default-deny until synced"};
  return rs;
}

SyncStats Agent::holdUnsynced() {
  SyncStats stats;
  auto namespaces = datapath_.namespaces();
  stats.namespaces = namespaces.size();
  Ruleset deny = denyAllRuleset();
  nft::Table table = nft::buildTable(deny, options_);
  const size_t rules = nft::ruleCount(table);
  for (const auto& ns : namespaces) {
    if (installed_.count(ns.id) || kept_.count(ns.id)) {
      ++stats.unchanged;
      continue;
    }
    if (datapath_.hasTable(ns)) {
      kept_.insert(ns.id);
      ++stats.unchanged;
      stats.messages.push_back(ns.path + ": keeps the kguard table it already holds until the first sync");
      continue;
    }
    if (auto error = datapath_.install(ns, deny)) {
      ++stats.failed;
      stats.messages.push_back(ns.path + ": default-deny install failed: " + *error);
    } else {
      ++stats.installed;
      stats.messages.push_back(ns.path + ": held in default-deny until the first sync");
      installed_[ns.id] = Installed{table, 0, std::nullopt, rules, 0};
    }
  }
  publish();
  return stats;
}

void Agent::publish() const {
  if (!metrics_) return;
  size_t rules = 0, elements = 0;
  for (const auto& [id, entry] : installed_) rules += entry.rules, elements += entry.elements;
  metrics_->podsProgrammed.set(static_cast<double>(installed_.size()));
  metrics_->rules.set(static_cast<double>(rules));
  metrics_->elements.set(static_cast<double>(elements));
}

SyncStats Agent::sync(const Cluster& cluster, std::optional<Clock::time_point> changedAt) {
  SyncStats stats;
  auto millisSince = [](Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); };
  std::string world = describeWorld(cluster);
  bool worldChanged = world != worldText_ || worldGeneration_ == 0;
  if (worldChanged) {
    worldText_ = std::move(world);
    ++worldGeneration_;
  }
  auto discoverStart = Clock::now();
  if (!namespaces_ || worldChanged || !changedAt) {
    namespaces_ = datapath_.namespaces();
    auto nodeAddresses = datapath_.nodeInterfaceAddresses();
    if (nodeAddresses != nodeInterfaceAddresses_) {  // every local pod's node set changes
      nodeInterfaceAddresses_ = std::move(nodeAddresses);
      ++worldGeneration_;
    }
  }
  stats.discoverMs = millisSince(discoverStart);
  // The agent does not compile the ClusterNetworkPolicy tiers yet: say so whenever their number changes
  // rather than let them look enforced.
  if (cluster.clusterPolicies.size() != unenforcedClusterPolicies_) {
    unenforcedClusterPolicies_ = cluster.clusterPolicies.size();
    if (unenforcedClusterPolicies_)
      stats.messages.push_back("warning: " + std::to_string(unenforcedClusterPolicies_) +
                               " ClusterNetworkPolicies in the input are NOT enforced by the agent yet "
                               "(kguard netpol matrix/explain/diff evaluate them)");
  }
  const auto& namespaces = *namespaces_;
  stats.namespaces = namespaces.size();
  auto count = [this](const char* operation, bool ok) {
    if (!metrics_) return;
    metrics_->operations.inc({operation, ok ? "ok" : "error"});
    if (!ok) metrics_->errors.inc({operation});
  };
  std::map<uint64_t, Installed> stillInstalled;
  std::optional<RulesetCompiler> compiler;  // built on first use: a sync that compiles nothing skips it
  for (const auto& ns : namespaces) {
    const Pod* pod = podFor(cluster, ns);
    auto previous = installed_.find(ns.id);
    if (!pod) {
      if (previous == installed_.end()) continue;
      auto error = datapath_.remove(ns);
      count("remove", !error);
      if (error) {
        ++stats.failed;
        stats.messages.push_back(ns.path + ": removing table failed: " + *error);
        stillInstalled[ns.id] = previous->second;
      } else {
        ++stats.removed;
        stats.messages.push_back(ns.path + ": pod gone, table removed");
      }
      continue;
    }
    ++stats.pods;
    auto policies = selectingPolicies(cluster, *pod);
    if (previous != installed_.end() && policies && previous->second.world == worldGeneration_ &&
        previous->second.policies == policies) {
      ++stats.unchanged;
      stillInstalled[ns.id] = std::move(previous->second);
      continue;
    }
    auto compileStart = Clock::now();
    if (!compiler) compiler.emplace(cluster, nodeInterfaceAddresses_);
    ++stats.compiled;
    Ruleset ruleset = compiler->compile(*pod);
    nft::Table table = nft::buildTable(ruleset, options_);
    size_t rules = nft::ruleCount(table);
    Installed entry{std::move(table), worldGeneration_, std::move(policies), rules,
                    ruleset.ingress.elementCount() + ruleset.egress.elementCount()};
    stats.compileMs += millisSince(compileStart);
    if (previous != installed_.end() && previous->second.table == entry.table) {
      ++stats.unchanged;
      stillInstalled[ns.id] = std::move(entry);
      continue;
    }
    auto installStart = Clock::now();
    auto error = datapath_.install(ns, ruleset);
    stats.installMs += millisSince(installStart);
    count("install", !error);
    if (error) {
      ++stats.failed;
      stats.messages.push_back(pod->id() + " (" + ns.path + "): install failed: " + *error);
      if (previous != installed_.end()) stillInstalled[ns.id] = previous->second;  // old ruleset stays
    } else {
      ++stats.installed;
      if (metrics_ && changedAt)
        metrics_->programmingLatency.observe(std::chrono::duration<double>(Clock::now() - *changedAt).count());
      stats.messages.push_back(pod->id() + " (" + ns.path + "): ruleset installed (" + std::to_string(entry.elements) +
                               " set elements)");
      stillInstalled[ns.id] = std::move(entry);
    }
  }
  installed_ = std::move(stillInstalled);
  kept_.clear();
  publish();
  return stats;
}

namespace {

long long millisSince(Agent::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Agent::Clock::now() - t).count();
}

}  // namespace

int runAgentLoop(ClusterSource& source, const LoopOptions& options, Datapath& datapath, const std::atomic<bool>& stop) {
  using Clock = Agent::Clock;
  using std::chrono::milliseconds;
  Agent agent(datapath, options.nodeName, options.render, options.metrics);
  std::optional<Cluster> cluster;
  auto hold = [&] {
    if (!options.defaultDenyUntilSynced || cluster) return;
    auto stats = agent.holdUnsynced();
    for (const auto& m : stats.messages) log(m);
  };
  bool pending = true;  // the start counts as a change: everything is new
  auto changedAt = Clock::now();
  auto lastSync = Clock::now();
  bool reloaded = false;  // sync right after each reload and report it, even if nothing changed
  while (!stop) {
    hold();
    if (pending) {
      // Coalesce a burst of changes into one load: wait until the source has been quiet for quietMs,
      // but never longer than maxDelayMs after the burst's first change.
      while (!stop && !options.once && Clock::now() - changedAt < milliseconds(options.maxDelayMs) &&
             source.waitForChange(milliseconds(options.quietMs)))
        hold();
      pending = false;
      auto loadStart = Clock::now();
      try {
        cluster = source.load();
        log("loaded " + std::to_string(cluster->pods.size()) + " pods, " + std::to_string(cluster->policies.size()) +
            " policies from " + source.describe() + " in " + std::to_string(millisSince(loadStart)) + " ms");
      } catch (const kube::InputError& e) {
        if (options.metrics) options.metrics->errors.inc({"load"});
        if (cluster) {
          runtime::log(runtime::LogLevel::Warn, "keeping the previous state", {{"error", e.what()}});
        } else if (options.defaultDenyUntilSynced && !options.once) {
          // Not read yet means not synced yet: keep holding, and try again on the next change or resync.
          runtime::log(runtime::LogLevel::Warn, "holding namespaces in default-deny until the inputs can be read",
                       {{"error", e.what()}});
          lastSync = Clock::now();
        } else {
          runtime::log(runtime::LogLevel::Error, "cannot load the inputs", {{"error", e.what()}});
          return 2;
        }
      }
      reloaded = cluster.has_value();
    }
    if (cluster && (reloaded || Clock::now() - lastSync >= milliseconds(options.resyncMs))) {
      auto syncStart = Clock::now();
      auto stats = agent.sync(*cluster, reloaded ? std::optional<Clock::time_point>(changedAt) : std::nullopt);
      if (options.metrics) options.metrics->syncs.inc({reloaded ? "change" : "resync"});
      for (const auto& m : stats.messages) log(m);
      if (stats.installed || stats.removed || stats.failed || reloaded)
        log("sync: " + std::to_string(stats.pods) + " local pods in " + std::to_string(stats.namespaces) +
            " namespaces; compiled " + std::to_string(stats.compiled) + ", installed " + std::to_string(stats.installed) +
            ", unchanged " + std::to_string(stats.unchanged) + ", removed " + std::to_string(stats.removed) +
            ", failed " + std::to_string(stats.failed) + " in " + std::to_string(millisSince(syncStart)) +
            " ms (discover " + std::to_string(std::lround(stats.discoverMs)) + ", compile " +
            std::to_string(std::lround(stats.compileMs)) + ", install " + std::to_string(std::lround(stats.installMs)) + ")");
      lastSync = Clock::now();
      reloaded = false;
      if (options.once) return stats.failed ? 1 : 0;
    }
    // Sleep until a change arrives or the next resync is due; short slices keep `stop` responsive.
    auto untilResync = milliseconds(options.resyncMs) - std::chrono::duration_cast<milliseconds>(Clock::now() - lastSync);
    auto wait = std::max(milliseconds(1), std::min(untilResync, milliseconds(100)));
    if (source.waitForChange(wait)) {
      pending = true;
      changedAt = Clock::now();
    } else if (!cluster && Clock::now() - lastSync >= milliseconds(options.resyncMs)) {
      pending = true;  // the first load failed while holding: retry it
      changedAt = Clock::now();
    }
  }
  return 0;
}

}  // namespace netpol::agent
