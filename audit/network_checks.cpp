// Network exposure by the NetworkPolicy evaluator (netpol/evaluate.h): who may connect to whom, per pod
// and per namespace pair.
#include <algorithm>
#include <set>

#include "audit/checks.h"
#include "netpol/evaluate.h"
#include "netpol/selection.h"

namespace audit {
namespace {

// Pods that no policy tells apart: same namespace, labels, host network, phase and ports. The
// reachability of one is that of all, so a cluster of many replicas costs its distinct pods squared.
std::string equivalenceKey(const netpol::Pod& p) {
  std::string key = p.namespace_ + "\n" + (p.hostNetwork ? "h" : "-") + (p.terminated ? "t" : "-");
  for (const auto& [k, v] : p.labels) key += "\n" + k + "=" + v;
  for (const auto& port : p.ports)
    key += "\n:" + port.name + "/" + std::to_string(port.number) + "/" + netpol::protocolName(port.protocol);
  return key;
}

struct PodClass {
  const netpol::Pod* representative;
  std::vector<const netpol::Pod*> members;
};

bool isolatedFor(const netpol::Cluster& cluster, const netpol::Pod& pod, bool ingress) {
  if (pod.hostNetwork) return false;
  return std::any_of(cluster.policies.begin(), cluster.policies.end(), [&](const netpol::NetworkPolicy& p) {
    return (ingress ? p.affectsIngress : p.affectsEgress) && netpol::policySelectsPod(p, pod);
  });
}

// A policy that selects every pod of its namespace for a direction and allows nothing in it.
bool isDefaultDeny(const netpol::NetworkPolicy& p, bool ingress) {
  if (!p.podSelector.selectsEverything()) return false;
  return ingress ? p.affectsIngress && p.ingress.empty() : p.affectsEgress && p.egress.empty();
}

bool admitsEveryAddress(const netpol::IPBlock& block) { return block.cidr.prefix == 0; }

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

class NetworkAudit {
 public:
  explicit NetworkAudit(CheckContext& ctx) : ctx_(ctx), cluster_(ctx.view.network) {}

  std::map<size_t, std::vector<std::string>> run() {
    classify();
    computeReachability();
    std::map<size_t, std::vector<std::string>> reachableFrom;
    for (size_t i = 0; i < ctx_.view.workloads.size(); ++i) {
      const auto& w = ctx_.view.workloads[i];
      const netpol::Pod* pod = cluster_.findPod(w.namespace_, w.networkName());
      if (!pod) continue;
      auto from = otherNamespacesReaching(*pod);
      if (ctx_.view.inScope(w.namespace_)) podExposure(w, *pod, from);
      reachableFrom[i] = std::move(from);
    }
    policyPeers();
    namespaceDefaults();
    return reachableFrom;
  }

 private:
  void classify() {
    std::map<std::string, size_t> byKey;
    for (const auto& pod : cluster_.pods) {
      auto [it, added] = byKey.emplace(equivalenceKey(pod), classes_.size());
      if (added) classes_.push_back({&pod, {}});
      classes_[it->second].members.push_back(&pod);
      classOf_[&pod] = it->second;
    }
  }

  void computeReachability() {
    auto& r = ctx_.report.reachability;
    std::map<std::string, size_t> index;
    for (const auto& pod : cluster_.pods) index.emplace(pod.namespace_, 0);
    for (auto& [name, i] : index) {
      i = r.namespaces.size();
      r.namespaces.push_back(name);
    }
    r.pods.assign(r.namespaces.size(), 0);
    for (const auto& pod : cluster_.pods) ++r.pods[index[pod.namespace_]];
    r.reachable.assign(r.namespaces.size(), std::vector<size_t>(r.namespaces.size(), 0));
    // reaches_[to class] = namespaces with some pod that may connect to it
    reachedFrom_.assign(classes_.size(), {});
    std::vector<netpol::SelectingPolicies> selecting;
    for (const auto& c : classes_) selecting.push_back(netpol::selectingPolicies(cluster_, *c.representative));
    for (size_t to = 0; to < classes_.size(); ++to)
      for (size_t from = 0; from < classes_.size(); ++from) {
        const std::string& ns = classes_[from].representative->namespace_;
        if (reachedFrom_[to].count(ns)) continue;  // the namespace already reaches it
        if (netpol::mayConnect(cluster_, *classes_[from].representative, selecting[from], *classes_[to].representative,
                               selecting[to]))
          reachedFrom_[to].insert(ns);
      }
    for (size_t to = 0; to < classes_.size(); ++to)
      for (const auto& ns : reachedFrom_[to])
        r.reachable[index[ns]][index[classes_[to].representative->namespace_]] += classes_[to].members.size();
  }

  std::vector<std::string> otherNamespacesReaching(const netpol::Pod& pod) const {
    std::vector<std::string> out;
    for (const auto& ns : reachedFrom_[classOf_.at(&pod)])
      if (ns != pod.namespace_) out.push_back(ns);
    return out;
  }

  size_t namespacesWithPods() const { return ctx_.report.reachability.namespaces.size(); }

  void podExposure(const Workload& w, const netpol::Pod& pod, const std::vector<std::string>& from) {
    if (pod.hostNetwork) return;  // no NetworkPolicy applies; hostNetwork is reported as host isolation
    bool ingress = isolatedFor(cluster_, pod, true), egress = isolatedFor(cluster_, pod, false);
    const std::string subject = w.isPod() ? "this pod" : "its pods";
    const std::string labelsField = (w.templatePath.empty() ? "" : w.templatePath + ".") + "metadata.labels";
    if (!ingress || !egress) {
      std::string open = !ingress && !egress ? "ingress or egress" : !ingress ? "ingress" : "egress";
      auto f = workloadFinding(w, "audit.podNotIsolated", "netpol",
                               "no NetworkPolicy selects " + subject + " for " + open +
                                   ", so every connection is allowed in that direction",
                               labelsField);
      if (ingress) f.severity = findings::Severity::Low;  // only egress is open
      ctx_.add(w.manifest, std::move(f));
    }
    // Reachable from every other namespace that runs pods (not merely unisolated: policies that allow
    // all namespaces count too).
    if (ingress && namespacesWithPods() > 1 && from.size() == namespacesWithPods() - 1)
      ctx_.add(w.manifest, workloadFinding(w, "audit.reachableFromAllNamespaces", "netpol",
                                           "NetworkPolicies let pods of every other namespace connect to " + subject + " (" +
                                               joinNames(from) + ")",
                                           labelsField));
  }

  void policyPeers() {
    for (const auto& policy : cluster_.policies) {
      if (!ctx_.view.inScope(policy.namespace_)) continue;
      auto flag = [&](const std::vector<netpol::Rule>& rules, const char* direction) {
        for (size_t r = 0; r < rules.size(); ++r)
          for (size_t p = 0; p < rules[r].peers.size(); ++p) {
            const auto& peer = rules[r].peers[p];
            if (!peer.ipBlock || !admitsEveryAddress(*peer.ipBlock)) continue;
            findings::Finding f;
            f.check = "audit.ipBlockAnywhere";
            f.level = "netpol";
            f.message = std::string(direction) + " rule " + std::to_string(r) + " admits ipBlock " + peer.ipBlock->cidrText +
                        (peer.ipBlock->except.empty() ? "" : " (with exceptions)") + ": every address" +
                        (std::string(direction) == "ingress" ? ", the internet included, may connect" : " may be reached");
            f.field = std::string("spec.") + direction + "[" + std::to_string(r) + "]." +
                      (std::string(direction) == "ingress" ? "from" : "to") + "[" + std::to_string(p) + "].ipBlock";
            f.object = {"NetworkPolicy", policy.namespace_, policy.name, ""};
            ctx_.add(policy.manifestIndex, std::move(f));
          }
      };
      flag(policy.ingress, "ingress");
      flag(policy.egress, "egress");
    }
  }

  void namespaceDefaults() {
    for (auto& ns : ctx_.report.namespaces) {
      for (const auto& policy : cluster_.policies) {
        if (policy.namespace_ != ns.name) continue;
        ns.defaultDenyIngress = ns.defaultDenyIngress || isDefaultDeny(policy, true);
        ns.defaultDenyEgress = ns.defaultDenyEgress || isDefaultDeny(policy, false);
      }
      if (!ctx_.view.inScope(ns.name) || (ns.defaultDenyIngress && ns.defaultDenyEgress)) continue;
      std::string missing = !ns.defaultDenyIngress && !ns.defaultDenyEgress ? "ingress or egress"
                            : !ns.defaultDenyIngress                        ? "ingress"
                                                                            : "egress";
      findings::Finding f;
      f.check = "audit.namespaceWithoutDefaultDeny";
      f.level = "netpol";
      f.message = "no default-deny NetworkPolicy (podSelector: {}, no rules) for " + missing +
                  ": a new pod here accepts every connection until a policy selects it";
      if (ns.defaultDenyIngress) f.severity = findings::Severity::Low;
      ctx_.addNamespaceFinding(ns.name, std::move(f));
    }
  }

  CheckContext& ctx_;
  const netpol::Cluster& cluster_;
  std::vector<PodClass> classes_;
  std::map<const netpol::Pod*, size_t> classOf_;
  std::vector<std::set<std::string>> reachedFrom_;
};

}  // namespace

std::map<size_t, std::vector<std::string>> checkNetwork(CheckContext& ctx) { return NetworkAudit(ctx).run(); }

}  // namespace audit
