#include "netpol/port_cuts.h"

#include "netpol/cluster_policy_evaluate.h"
#include "netpol/protocol.h"
#include "netpol/selection.h"

namespace netpol {

std::string PortInterval::str() const {
  std::string out = std::string(nftProtocolName(protocol)) + " " + std::to_string(first);
  return first == last ? out : out + "-" + std::to_string(last);
}

void PortCuts::add(Protocol p, int32_t first, int32_t last) {
  at[static_cast<int>(p)].insert(first);
  if (last < 65535) at[static_cast<int>(p)].insert(last + 1);
}

void PortCuts::merge(const PortCuts& o) {
  for (int i = 0; i < 3; ++i) at[i].insert(o.at[i].begin(), o.at[i].end());
}

std::vector<PortInterval> PortCuts::intervals() const {
  std::vector<PortInterval> out;
  for (auto protocol : {Protocol::TCP, Protocol::UDP, Protocol::SCTP}) {
    std::set<int32_t> cuts = at[static_cast<int>(protocol)];
    cuts.insert(1);
    for (auto it = cuts.begin(); it != cuts.end(); ++it) {
      auto next = std::next(it);
      out.push_back({protocol, *it, next == cuts.end() ? 65535 : *next - 1});
    }
  }
  return out;
}

void addPortCuts(const Pod& pod, PortCuts& cuts) {
  for (const auto& port : pod.ports) cuts.add(port.protocol, port.number, port.number);
}

void addRuleCuts(const std::vector<Rule>& rules, PortCuts& cuts) {
  for (const auto& rule : rules)
    for (const auto& port : rule.ports)
      if (port.number) cuts.add(port.protocol, *port.number, port.endPort.value_or(*port.number));
}

void addRuleCuts(const std::vector<CnpRule>& rules, PortCuts& cuts) {
  for (const auto& rule : rules)
    for (const auto& p : rule.protocols)
      if (p.protocol) cuts.add(*p.protocol, p.first, p.last);
}

PortCuts sideCuts(const Cluster& cluster, const Pod& pod, bool ingress) {
  PortCuts cuts;
  for (const auto& policy : cluster.policies)
    if ((ingress ? policy.affectsIngress : policy.affectsEgress) && policySelectsPod(policy, pod))
      addRuleCuts(ingress ? policy.ingress : policy.egress, cuts);
  for (const auto& cnp : cluster.clusterPolicies)
    if (clusterPolicySelectsPod(cluster, cnp, pod)) addRuleCuts(ingress ? cnp.ingress : cnp.egress, cuts);
  if (ingress) addPortCuts(pod, cuts);
  return cuts;
}

}  // namespace netpol
