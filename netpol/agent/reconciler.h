#pragma once
// The reconciler: keeps each local pod's compiled ruleset installed in that pod's network namespace.
// Namespaces are matched to pods by the pod IPs on their interfaces; only namespaces whose compiled
// ruleset changed are touched; a namespace whose pod is gone loses kguard's table (and nothing else).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "netpol/agent/agent_metrics.h"
#include "netpol/agent/datapath.h"
#include "netpol/agent/ruleset_inputs.h"
#include "netpol/model.h"
#include "netpol/nft_table.h"
#include "netpol/render_nft.h"
#include "netpol/ruleset.h"

namespace netpol::agent {

// Isolated for ingress and egress with nothing allowed: only established/related replies, loopback
// and IPv6 neighbour discovery pass (the same fixed rules as any isolated direction).
Ruleset denyAllRuleset();

struct SyncStats {
  size_t namespaces = 0;  // namespaces seen
  size_t pods = 0;        // namespaces holding a pod of the input
  size_t compiled = 0;    // rulesets compiled (pods whose inputs changed, see ruleset_inputs.h)
  size_t tiersOnly = 0;   // of which only the tiers: same world and NetworkPolicies as installed
  size_t installed = 0;   // rulesets (re)installed
  size_t unchanged = 0;   // skipped: same inputs or same ruleset as installed
  size_t sameRuleset = 0; // of which compiled to the installed ruleset: no table built, nothing installed
  size_t removed = 0;     // tables removed (pod gone)
  size_t failed = 0;
  std::vector<std::string> messages;  // one line per change or failure
  size_t updates = 0;      // installs that changed only set elements (the rest replaced the table)
  // Where the time went, in milliseconds (namespace discovery is skipped when the namespaces seen
  // last time can be reused, see Reconciler::sync): finding each pod's selecting policies, compiling
  // rulesets, building nft::Tables from them, installing (of which building netlink batches and
  // committing them).
  double discoverMs = 0, selectMs = 0, compileMs = 0, tableMs = 0, installMs = 0, batchMs = 0, commitMs = 0;
  double commitCpuMs = 0;  // of commitMs, the installing threads' CPU time (the kernel's work, see InstallTiming)
  size_t deleted = 0, added = 0, recreatedSets = 0;  // summed over the updates (InstallTiming)
  size_t addedSets = 0, removedSets = 0;
};

class Reconciler {
 public:
  using Clock = std::chrono::steady_clock;

  // `nodeName` empty = every pod whose IP is found locally. `metrics` may be null.
  Reconciler(Datapath& datapath, std::string nodeName, RenderOptions options, AgentMetrics* metrics = nullptr)
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
    std::optional<SelectingPolicies> policies;  // the policies that selected the pod
    std::shared_ptr<const Ruleset> ruleset;     // what `table` was built from (null for deny-all)
    size_t rules = 0, elements = 0;
  };

  // One pod's install, run on the sync's WorkQueue.
  struct InstallJob {
    const NamespaceInfo* ns = nullptr;
    std::string pod;
    Installed entry;                          // what goes in
    const Installed* previous = nullptr;      // what is there (null: nothing this agent installed)
    std::optional<std::string> error;         // filled in by the job
    InstallTiming timing;
    double ms = 0;
    Clock::time_point finished;
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
};

}  // namespace netpol::agent
