#include "netpol/agent/event_loop.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "kube/manifest.h"
#include "netpol/agent/reconciler.h"
#include "runtime/log.h"

namespace netpol::agent {
namespace {

void log(const std::string& message) { runtime::log(runtime::LogLevel::Info, message); }

long long millisBetween(Reconciler::Clock::time_point from, Reconciler::Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

long long millisSince(Reconciler::Clock::time_point t) { return millisBetween(t, Reconciler::Clock::now()); }

// "discover 0, select 3, compile 40, table 12, install 95 (batch 5, commit 88, commit cpu 20; 30 updates:
// deleted 12, added 40 elements, 2 sets recreated, 1 added, 0 removed)"
std::string phaseTimes(const SyncStats& stats) {
  auto ms = [](double v) { return std::to_string(std::lround(v)); };
  return "discover " + ms(stats.discoverMs) + ", select " + ms(stats.selectMs) + ", compile " + ms(stats.compileMs) +
         ", table " + ms(stats.tableMs) + ", install " + ms(stats.installMs) + " (batch " + ms(stats.batchMs) +
         ", commit " + ms(stats.commitMs) + ", commit cpu " + ms(stats.commitCpuMs) + "; " + std::to_string(stats.updates) +
         " updates: deleted " + std::to_string(stats.deleted) + ", added " + std::to_string(stats.added) + " elements, " +
         std::to_string(stats.recreatedSets) + " sets recreated, " + std::to_string(stats.addedSets) + " added, " +
         std::to_string(stats.removedSets) + " removed)";
}

}  // namespace

int runAgentLoop(ClusterSource& source, const LoopOptions& options, Datapath& datapath, const std::atomic<bool>& stop) {
  using Clock = Reconciler::Clock;
  using std::chrono::milliseconds;
  Reconciler agent(datapath, options.nodeName, options.render, options.metrics);
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
  long long coalescedMs = 0;  // first change seen -> load started (the coalescing window)
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
      coalescedMs = millisBetween(changedAt, loadStart);
      try {
        cluster = source.load();
        log("loaded " + std::to_string(cluster->pods.size()) + " pods, " + std::to_string(cluster->policies.size()) +
            " policies from " + source.describe() + " in " + std::to_string(millisSince(loadStart)) + " ms (" +
            std::to_string(coalescedMs) + " ms after the first change)");
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
            " namespaces; compiled " + std::to_string(stats.compiled) + " (" + std::to_string(stats.tiersOnly) +
            " tiers only), installed " + std::to_string(stats.installed) +
            ", unchanged " + std::to_string(stats.unchanged) + " (" + std::to_string(stats.sameRuleset) +
            " same ruleset), removed " + std::to_string(stats.removed) +
            ", failed " + std::to_string(stats.failed) + " in " + std::to_string(millisSince(syncStart)) +
            " ms (" + phaseTimes(stats) + ")");
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
