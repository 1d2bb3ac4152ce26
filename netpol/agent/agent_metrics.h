#pragma once
// The agent's Prometheus metrics (served with --metrics-bind-address). Per-pod drop counters stay in
// the kernel, readable with `nft list counters table inet kguard` in the pod's namespace.
#include <string>

#include "metrics/prometheus.h"

namespace netpol::agent {

struct AgentMetrics {
  metrics::Gauge podsProgrammed{"kguard_netpol_pods_programmed",
                                "Pod network namespaces holding their pod's compiled ruleset."};
  metrics::Gauge rules{"kguard_netpol_ruleset_rules", "Rules in the chains of all installed rulesets."};
  metrics::Gauge elements{"kguard_netpol_ruleset_elements", "Set elements (allowed peers) in all installed rulesets."};
  metrics::CounterVec operations{"kguard_netpol_ruleset_operations_total",
                                 "Netlink batches sent, by operation (install, remove) and result (ok, error).",
                                 {"operation", "result"}};
  metrics::CounterVec errors{"kguard_netpol_errors_total",
                             "Errors by stage: load (objects unreadable, previous state kept), install, remove.",
                             {"stage"}};
  metrics::CounterVec syncs{"kguard_netpol_syncs_total", "Reconciliations of all local pod namespaces.", {"trigger"}};
  metrics::CounterVec deniedPackets{
      "kguard_netpol_denied_packets_total",
      "Dropped packets read from the deny log (--deny-log), by the tier (Admin, NetworkPolicy, Baseline) and policy "
      "of the rule that dropped them (both empty for a log prefix that names no rule of this agent).",
      {"tier", "policy"}};
  metrics::Histogram programmingLatency{
      "kguard_netpol_programming_duration_seconds",
      "Time from a change of the agent's inputs (file event or API watch event) to the kernel's commit of an "
      "affected pod's ruleset.",
      {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};

  std::string render() const {
    std::string out;
    podsProgrammed.render(out);
    rules.render(out);
    elements.render(out);
    operations.render(out);
    errors.render(out);
    syncs.render(out);
    deniedPackets.render(out);
    programmingLatency.render(out);
    return out;
  }
};

}  // namespace netpol::agent
