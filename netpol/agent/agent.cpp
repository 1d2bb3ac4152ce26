#include "netpol/agent/agent.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "kube/manifest.h"
#include "netpol/agent/netns.h"
#include "netpol/decode.h"

namespace netpol::agent {
namespace {

class KernelDatapath : public Datapath {
 public:
  explicit KernelDatapath(const RenderOptions& options) : options_(options) {}

  std::vector<NamespaceInfo> namespaces() override {
    open_ = discoverNetns();
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
  static std::optional<std::string> apply(const Netns& ns, const NftBatch& batch) {
    try {
      return applyBatch(ns, batch);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }

  RenderOptions options_;
  std::vector<Netns> open_;
  uint32_t seq_ = static_cast<uint32_t>(time(nullptr));
};

// Names, sizes and modification times of every manifest file under dir: a change in any is a change.
std::string dirFingerprint(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> entries;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto ext = it->path().extension().string();
    if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
    struct stat st;
    if (stat(it->path().c_str(), &st) != 0) continue;
    entries.push_back(it->path().string() + ":" + std::to_string(st.st_size) + ":" +
                      std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec));
  }
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const auto& e : entries) out += e + "\n";
  return out;
}

void log(const std::string& line) { std::cerr << "kguard netpol agent: " << line << std::endl; }

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
  std::string text = renderNft(deny, options_);
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
      installed_[ns.id] = text;
    }
  }
  return stats;
}

SyncStats Agent::sync(const Cluster& cluster) {
  SyncStats stats;
  auto namespaces = datapath_.namespaces();
  stats.namespaces = namespaces.size();
  std::map<uint64_t, std::string> stillInstalled;
  RulesetCompiler compiler(cluster);
  for (const auto& ns : namespaces) {
    const Pod* pod = podFor(cluster, ns);
    auto previous = installed_.find(ns.id);
    if (!pod) {
      if (previous == installed_.end()) continue;
      if (auto error = datapath_.remove(ns)) {
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
    Ruleset ruleset = compiler.compile(*pod);
    std::string text = renderNft(ruleset, options_);
    if (previous != installed_.end() && previous->second == text) {
      ++stats.unchanged;
      stillInstalled[ns.id] = text;
      continue;
    }
    if (auto error = datapath_.install(ns, ruleset)) {
      ++stats.failed;
      stats.messages.push_back(pod->id() + " (" + ns.path + "): install failed: " + *error);
      if (previous != installed_.end()) stillInstalled[ns.id] = previous->second;  // old ruleset stays
    } else {
      ++stats.installed;
      stats.messages.push_back(pod->id() + " (" + ns.path + "): ruleset installed (" +
                               std::to_string(ruleset.ingress.elementCount() + ruleset.egress.elementCount()) + " set elements)");
      stillInstalled[ns.id] = text;
    }
  }
  installed_ = std::move(stillInstalled);
  kept_.clear();
  return stats;
}

namespace {

class DirSource : public ClusterSource {
 public:
  explicit DirSource(std::string dir) : dir_(std::move(dir)) {}
  std::string version() override { return dirFingerprint(dir_); }
  Cluster load() override { return decodeCluster(kube::loadManifests({dir_})); }
  std::string describe() const override { return dir_; }

 private:
  std::string dir_;
};

}  // namespace

std::unique_ptr<ClusterSource> makeDirSource(const std::string& dir) { return std::make_unique<DirSource>(dir); }

int runAgentLoop(ClusterSource& source, const LoopOptions& options, Datapath& datapath, const std::atomic<bool>& stop) {
  using Clock = std::chrono::steady_clock;
  Agent agent(datapath, options.nodeName, options.render);
  std::optional<Cluster> cluster;
  std::string loaded;  // version of what `cluster` was read from
  auto lastSync = Clock::now() - std::chrono::hours(1);
  bool reloaded = false;  // report the first sync after each reload, even if nothing changed
  auto hold = [&] {
    if (!options.defaultDenyUntilSynced || cluster) return;
    auto stats = agent.holdUnsynced();
    for (const auto& m : stats.messages) log(m);
  };
  while (!stop) {
    hold();
    std::string seen = source.version();
    if (seen != loaded) {
      // Coalesce a burst of changes into one sync: wait until the source stops changing.
      for (auto quietSince = Clock::now(); !stop && !options.once;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(options.pollMs));
        hold();
        std::string now = source.version();
        if (now != seen) {
          seen = now;
          quietSince = Clock::now();
        } else if (Clock::now() - quietSince >= std::chrono::milliseconds(options.quietMs)) {
          break;
        }
      }
      try {
        cluster = source.load();
        log("loaded " + std::to_string(cluster->pods.size()) + " pods, " + std::to_string(cluster->policies.size()) +
            " policies from " + source.describe());
      } catch (const kube::InputError& e) {
        log(std::string("keeping the previous state: ") + e.what());
        if (!cluster) return 2;
      }
      loaded = seen;
      reloaded = true;
      lastSync = Clock::now() - std::chrono::hours(1);  // sync now
    }
    if (cluster && Clock::now() - lastSync >= std::chrono::milliseconds(options.resyncMs)) {
      auto stats = agent.sync(*cluster);
      for (const auto& m : stats.messages) log(m);
      if (stats.installed || stats.removed || stats.failed || reloaded)
        log("sync: " + std::to_string(stats.pods) + " local pods in " + std::to_string(stats.namespaces) +
            " namespaces; installed " + std::to_string(stats.installed) + ", unchanged " +
            std::to_string(stats.unchanged) + ", removed " + std::to_string(stats.removed) + ", failed " +
            std::to_string(stats.failed));
      lastSync = Clock::now();
      reloaded = false;
      if (options.once) return stats.failed ? 1 : 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.pollMs));
  }
  return 0;
}

}  // namespace netpol::agent
