#include "netpol/agent/reconciler.h"

#include <cmath>
#include <deque>

#include "netpol/agent/ruleset_inputs.h"
#include "netpol/agent/work_queue.h"

namespace netpol::agent {

const Pod* Reconciler::podFor(const Cluster& cluster, const NamespaceInfo& ns) const {
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

SyncStats Reconciler::holdUnsynced() {
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
    if (auto error = datapath_.install(ns, deny, table, nullptr)) {
      ++stats.failed;
      stats.messages.push_back(ns.path + ": default-deny install failed: " + *error);
    } else {
      ++stats.installed;
      stats.messages.push_back(ns.path + ": held in default-deny until the first sync");
      installed_[ns.id] = Installed{table, 0, std::nullopt, nullptr, rules, 0};
    }
  }
  publish();
  return stats;
}

void Reconciler::publish() const {
  if (!metrics_) return;
  size_t rules = 0, elements = 0;
  for (const auto& [id, entry] : installed_) rules += entry.rules, elements += entry.elements;
  metrics_->podsProgrammed.set(static_cast<double>(installed_.size()));
  metrics_->rules.set(static_cast<double>(rules));
  metrics_->elements.set(static_cast<double>(elements));
}

SyncStats Reconciler::sync(const Cluster& cluster, std::optional<Clock::time_point> changedAt) {
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
  const auto& namespaces = *namespaces_;
  stats.namespaces = namespaces.size();
  auto count = [this](const char* operation, bool ok) {
    if (!metrics_) return;
    metrics_->operations.inc({operation, ok ? "ok" : "error"});
    if (!ok) metrics_->errors.inc({operation});
  };
  std::map<uint64_t, Installed> stillInstalled;
  std::optional<RulesetCompiler> compiler;  // built on first use: a sync that compiles nothing skips it
  std::deque<InstallJob> installs;  // stable addresses: the queue's jobs fill them in
  WorkQueue queue(datapath_.installWorkers());
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
    auto selectStart = Clock::now();
    auto policies = selectingPolicySpecs(cluster, *pod);
    stats.selectMs += millisSince(selectStart);
    if (previous != installed_.end() && policies && previous->second.world == worldGeneration_ &&
        previous->second.policies == policies) {
      ++stats.unchanged;
      stillInstalled[ns.id] = std::move(previous->second);
      continue;
    }
    auto compileStart = Clock::now();
    if (!compiler) compiler.emplace(cluster, nodeInterfaceAddresses_);
    ++stats.compiled;
    // A ClusterNetworkPolicy change leaves the NetworkPolicy part as it was: only the tiers compile.
    const Ruleset* sameNetworkPolicies =
        previous != installed_.end() && previous->second.world == worldGeneration_ && previous->second.ruleset &&
                policies && previous->second.policies &&
                previous->second.policies->networkPolicies == policies->networkPolicies
            ? previous->second.ruleset.get()
            : nullptr;
    stats.tiersOnly += sameNetworkPolicies != nullptr;
    auto ruleset = std::make_shared<const Ruleset>(compiler->compile(*pod, sameNetworkPolicies));
    stats.compileMs += millisSince(compileStart);
    if (previous != installed_.end() && previous->second.ruleset && *previous->second.ruleset == *ruleset) {
      // Equal rulesets build equal tables: a change that moved nothing for this pod (e.g. Baseline rules
      // a NetworkPolicy overrides, or a Pass) costs no table build and no install.
      ++stats.unchanged;
      ++stats.sameRuleset;
      Installed& kept = stillInstalled[ns.id] = std::move(previous->second);
      kept.world = worldGeneration_;
      kept.policies = std::move(policies);
      continue;
    }
    auto tableStart = Clock::now();
    nft::Table table = nft::buildTable(*ruleset, options_);
    size_t rules = nft::ruleCount(table);
    const size_t elements = ruleset->ingress.elementCount() + ruleset->egress.elementCount();
    Installed entry{std::move(table), worldGeneration_, std::move(policies), std::move(ruleset), rules, elements};
    stats.tableMs += millisSince(tableStart);
    if (previous != installed_.end() && previous->second.table == entry.table) {
      ++stats.unchanged;
      stillInstalled[ns.id] = std::move(entry);
      continue;
    }
    // The install runs on the queue while the next pod compiles; its outcome is merged below.
    auto& job = installs.emplace_back();
    job.ns = &ns;
    job.pod = pod->id();
    job.entry = std::move(entry);
    job.previous = previous != installed_.end() ? &previous->second : nullptr;
    queue.push([this, &job] {
      auto installStart = Clock::now();
      job.error = datapath_.install(*job.ns, *job.entry.ruleset, job.entry.table, job.previous ? &job.previous->table : nullptr,
                                    &job.timing);
      job.finished = Clock::now();
      job.ms = std::chrono::duration<double, std::milli>(job.finished - installStart).count();
    });
  }
  queue.finish();
  for (auto& job : installs) {
    stats.installMs += job.ms;
    stats.batchMs += job.timing.batchMs;
    stats.commitMs += job.timing.commitMs;
    stats.commitCpuMs += job.timing.commitCpuMs;
    count("install", !job.error);
    if (job.error) {
      ++stats.failed;
      stats.messages.push_back(job.pod + " (" + job.ns->path + "): install failed: " + *job.error);
      if (job.previous) stillInstalled[job.ns->id] = *job.previous;  // old ruleset stays
    } else {
      ++stats.installed;
      stats.updates += job.timing.update;
      stats.deleted += job.timing.deleted;
      stats.added += job.timing.added;
      stats.recreatedSets += job.timing.recreatedSets;
      stats.addedSets += job.timing.addedSets;
      stats.removedSets += job.timing.removedSets;
      if (metrics_ && changedAt)
        metrics_->programmingLatency.observe(std::chrono::duration<double>(job.finished - *changedAt).count());
      stats.messages.push_back(job.pod + " (" + job.ns->path + "): ruleset installed (" +
                               std::to_string(job.entry.elements) + " set elements; " +
                               (job.timing.update ? "update" : "replace") + " of " + std::to_string(job.timing.messages) +
                               " messages in " + std::to_string(std::lround(job.ms)) + " ms" +
                               (job.timing.update ? "; deleted " + std::to_string(job.timing.deleted) + ", added " +
                                                        std::to_string(job.timing.added) + " elements, " +
                                                        std::to_string(job.timing.recreatedSets) + " sets recreated, " +
                                                        std::to_string(job.timing.addedSets) + " added, " +
                                                        std::to_string(job.timing.removedSets) + " removed"
                                                  : std::string()) +
                               ")");
      stillInstalled[job.ns->id] = std::move(job.entry);
    }
  }
  installed_ = std::move(stillInstalled);
  kept_.clear();
  publish();
  return stats;
}

}  // namespace netpol::agent
