#pragma once
// The node agent: keeps each local pod's compiled ruleset installed in that pod's network namespace.
// Namespaces are matched to pods by the pod IPs on their interfaces; only namespaces whose compiled
// ruleset changed are touched; a namespace whose pod is gone loses kguard's table (and nothing else).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "netpol/agent/agent_metrics.h"
#include "netpol/model.h"
#include "netpol/nft_table.h"
#include "netpol/render_nft.h"
#include "netpol/ruleset.h"

namespace netpol::agent {

struct NamespaceInfo {
  uint64_t id = 0;  // inode of the namespace
  std::string path;
  std::vector<IpAddress> addresses;
};

// Where rulesets go. Install and remove are all-or-nothing: on error the old ruleset stays.
class Datapath {
 public:
  virtual ~Datapath() = default;
  virtual std::vector<NamespaceInfo> namespaces() = 0;
  virtual std::optional<std::string> install(const NamespaceInfo& ns, const Ruleset& ruleset) = 0;
  virtual std::optional<std::string> remove(const NamespaceInfo& ns) = 0;
  // Whether the namespace already holds kguard's table (installed by an earlier run of the agent).
  virtual bool hasTable(const NamespaceInfo&) { return false; }
  // The addresses of the agent's own network namespace (the node's), loopback and IPv6 link-local left
  // out. The node reaches its pods from whichever of them the route picks — on a bridge CNI the
  // bridge's gateway address, not the Node's InternalIP — and NetworkPolicy always admits a pod's own
  // node (kubelet probes), so all of them count as the node.
  virtual std::vector<IpAddress> nodeInterfaceAddresses() { return {}; }
};

// Isolated for ingress and egress with nothing allowed: only established/related replies, loopback
// and IPv6 neighbour discovery pass (the same fixed rules as any isolated direction).
Ruleset denyAllRuleset();

// The kernel: namespaces from /var/run/netns and /proc, nf_tables through libnftnl batches.
std::unique_ptr<Datapath> makeKernelDatapath(const RenderOptions& options);

struct SyncStats {
  size_t namespaces = 0;  // namespaces seen
  size_t pods = 0;        // namespaces holding a pod of the input
  size_t compiled = 0;    // rulesets compiled (pods whose inputs changed, see ruleset_inputs.h)
  size_t installed = 0;   // rulesets (re)installed
  size_t unchanged = 0;   // skipped: same inputs or same ruleset as installed
  size_t removed = 0;     // tables removed (pod gone)
  size_t failed = 0;
  std::vector<std::string> messages;  // one line per change or failure
  // Where the time went, in milliseconds (namespace discovery is skipped when the namespaces seen
  // last time can be reused, see Agent::sync).
  double discoverMs = 0, compileMs = 0, installMs = 0;
};

class Agent {
 public:
  using Clock = std::chrono::steady_clock;

  // `nodeName` empty = every pod whose IP is found locally. `metrics` may be null.
  Agent(Datapath& datapath, std::string nodeName, RenderOptions options, AgentMetrics* metrics = nullptr)
      : datapath_(datapath), nodeName_(std::move(nodeName)), options_(options), metrics_(metrics) {}

  // Installs each local pod's ruleset where it changed. Pods whose inputs (ruleset_inputs.h) are
  // unchanged since their ruleset was installed are not compiled again. `changedAt`: when the change
  // that prompted this sync was seen, for the programming-latency histogram. Such a sync reuses the
  // namespaces (and their addresses) found by the previous sync when no pod changed, since the
  // namespaces a policy change must reach are the ones already programmed; periodic syncs (no
  // `changedAt`) and pod changes look again.
  SyncStats sync(const Cluster& cluster, std::optional<Clock::time_point> changedAt = std::nullopt);

  // Before the first sync (--default-deny-until-synced): every namespace found that holds no kguard
  // table yet gets denyAllRuleset(); one that does (an earlier run of the agent installed it, e.g.
  // before a restart) keeps it. The first sync() then replaces deny-all with the pod's compiled
  // ruleset, or removes it where the namespace holds no pod of the input.
  SyncStats holdUnsynced();

 private:
  // What is in one namespace's kguard table, and what it was compiled from.
  struct Installed {
    nft::Table table;    // what was installed (equal tables: nothing to reinstall)
    uint64_t world = 0;  // worldGeneration_ it was compiled in; 0 = unknown (e.g. deny-all)
    std::optional<std::vector<std::string>> policies;  // the policies that selected the pod
    size_t rules = 0, elements = 0;
  };

  const Pod* podFor(const Cluster& cluster, const NamespaceInfo& ns) const;
  void publish() const;  // gauges from installed_

  Datapath& datapath_;
  std::string nodeName_;
  RenderOptions options_;
  AgentMetrics* metrics_;
  std::map<uint64_t, Installed> installed_;  // by namespace id
  std::set<uint64_t> kept_;  // holdUnsynced: namespaces left with the table an earlier run installed
  std::string worldText_;    // describeWorld() of the last sync
  uint64_t worldGeneration_ = 0;
  std::optional<std::vector<NamespaceInfo>> namespaces_;  // what the last sync discovered
  std::vector<IpAddress> nodeInterfaceAddresses_;          // found with namespaces_
  size_t unenforcedClusterPolicies_ = 0;                   // ClusterNetworkPolicies last warned about
};

// Where the agent's objects come from: a folder of manifests (dir_source.h) or the API server
// (api_source.h).
class ClusterSource {
 public:
  virtual ~ClusterSource() = default;
  // Waits up to `timeout` for a change notification; true when the objects may have changed since
  // the previous call returned (notifications are consumed by the call that reports them).
  virtual bool waitForChange(std::chrono::milliseconds timeout) = 0;
  // The objects now. Throws kube::InputError (the agent keeps the previous state).
  virtual Cluster load() = 0;
  virtual std::string describe() const = 0;
};

struct LoopOptions {
  std::string nodeName;
  RenderOptions render;
  int quietMs = 15;      // a burst of changes ends when the source has been quiet this long...
  int maxDelayMs = 150;  // ...or when its first change is this old: a steady stream still gets applied
  int resyncMs = 2000;   // namespaces appear without the source changing: look again this often
  bool once = false;     // one sync, then return
  // Until the first load of the source has been synced, hold every namespace found in default-deny.
  // A first load that fails is then retried (on the next change, or after resyncMs) instead of ending
  // the loop: unreadable inputs are not synced inputs.
  bool defaultDenyUntilSynced = false;
  AgentMetrics* metrics = nullptr;
};

// Runs until `stop` (or after one sync with `once`). Returns the exit code: 0; 1 when `once` and a
// namespace failed; 2 when the first load fails (unless defaultDenyUntilSynced).
int runAgentLoop(ClusterSource& source, const LoopOptions& options, Datapath& datapath, const std::atomic<bool>& stop);

}  // namespace netpol::agent
