#include "netpol/agent/reconciler.h"

#include <cmath>

#include "netpol/agent/ruleset_inputs.h"

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
      installed_[ns.id] = Installed{table, 0, std::nullopt, rules, 0};
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
    Ruleset ruleset = compiler->compile(*pod);
    stats.compileMs += millisSince(compileStart);
    auto tableStart = Clock::now();
    nft::Table table = nft::buildTable(ruleset, options_);
    size_t rules = nft::ruleCount(table);
    Installed entry{std::move(table), worldGeneration_, std::move(policies), rules,
                    ruleset.ingress.elementCount() + ruleset.egress.elementCount()};
    stats.tableMs += millisSince(tableStart);
    if (previous != installed_.end() && previous->second.table == entry.table) {
      ++stats.unchanged;
      stillInstalled[ns.id] = std::move(entry);
      continue;
    }
    auto installStart = Clock::now();
    InstallTiming timing;
    auto error = datapath_.install(ns, ruleset, entry.table, previous != installed_.end() ? &previous->second.table : nullptr,
                                   &timing);
    const double installMs = millisSince(installStart);
    stats.installMs += installMs;
    stats.batchMs += timing.batchMs;
    stats.commitMs += timing.commitMs;
    count("install", !error);
    if (error) {
      ++stats.failed;
      stats.messages.push_back(pod->id() + " (" + ns.path + "): install failed: " + *error);
      if (previous != installed_.end()) stillInstalled[ns.id] = previous->second;  // old ruleset stays
    } else {
      ++stats.installed;
      stats.updates += timing.update;
      if (metrics_ && changedAt)
        metrics_->programmingLatency.observe(std::chrono::duration<double>(Clock::now() - *changedAt).count());
      stats.messages.push_back(pod->id() + " (" + ns.path + "): ruleset installed (" + std::to_string(entry.elements) +
                               " set elements; " + (timing.update ? "update" : "replace") + " of " +
                               std::to_string(timing.messages) + " messages in " + std::to_string(std::lround(installMs)) +
                               " ms)");
      stillInstalled[ns.id] = std::move(entry);
    }
  }
  installed_ = std::move(stillInstalled);
  kept_.clear();
  publish();
  return stats;
}

}  // namespace netpol::agent
