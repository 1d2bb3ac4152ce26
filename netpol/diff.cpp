#include "netpol/diff.h"

#include <map>
#include <set>

#include "netpol/evaluate.h"
#include "netpol/matrix.h"
#include "netpol/selection.h"

namespace netpol {
namespace {

constexpr Protocol kProtocols[] = {Protocol::TCP, Protocol::UDP, Protocol::SCTP};

// Cut points: a port p where a rule's answer may differ between p-1 and p. A range [a, b] cuts at a
// and b+1; a named port resolves to container port numbers, which are cut like single ports.
struct Cuts {
  std::set<int32_t> at[3];
  void add(Protocol p, int32_t first, int32_t last) {
    at[static_cast<int>(p)].insert(first);
    if (last < 65535) at[static_cast<int>(p)].insert(last + 1);
  }
  void merge(const Cuts& o) {
    for (int i = 0; i < 3; ++i) at[i].insert(o.at[i].begin(), o.at[i].end());
  }
};

void addPortCuts(const Pod& pod, Cuts& cuts) {
  for (const auto& port : pod.ports) cuts.add(port.protocol, port.number, port.number);
}

void addRuleCuts(const std::vector<Rule>& rules, Cuts& cuts) {
  for (const auto& rule : rules)
    for (const auto& port : rule.ports)
      if (port.number) cuts.add(port.protocol, *port.number, port.endPort.value_or(*port.number));
}

void addRuleCuts(const std::vector<CnpRule>& rules, Cuts& cuts) {
  for (const auto& rule : rules)
    for (const auto& p : rule.protocols)
      if (p.protocol) cuts.add(*p.protocol, p.first, p.last);
}

// The cuts of the policies deciding one side of `pod`'s connections; for ingress also its named ports.
// Only these can change a verdict along the ports of a connection from or to it.
Cuts sideCuts(const Cluster& cluster, const Pod& pod, bool ingress) {
  Cuts cuts;
  for (const auto& policy : cluster.policies)
    if ((ingress ? policy.affectsIngress : policy.affectsEgress) && policySelectsPod(policy, pod))
      addRuleCuts(ingress ? policy.ingress : policy.egress, cuts);
  for (const auto& cnp : cluster.clusterPolicies)
    if (clusterPolicySelectsPod(cluster, cnp, pod)) addRuleCuts(ingress ? cnp.ingress : cnp.egress, cuts);
  if (ingress) addPortCuts(pod, cuts);
  return cuts;
}

std::vector<PortInterval> intervalsOf(Cuts cuts) {
  std::vector<PortInterval> out;
  for (auto protocol : kProtocols) {
    auto& at = cuts.at[static_cast<int>(protocol)];
    at.insert(1);
    for (auto it = at.begin(); it != at.end(); ++it) {
      auto next = std::next(it);
      out.push_back({protocol, *it, next == at.end() ? 65535 : *next - 1});
    }
  }
  return out;
}

// Per pod of one state: the port cuts of its egress and ingress sides.
struct PodSides {
  Cuts egressCuts, ingressCuts;
};

std::map<std::string, PodSides> podSides(const Cluster& cluster) {
  std::map<std::string, PodSides> out;
  for (const auto& pod : cluster.pods)
    out[pod.id()] = {sideCuts(cluster, pod, false), sideCuts(cluster, pod, true)};
  return out;
}

// A side worth naming: it agrees with the verdict and a policy (not the default) decided it. A denying
// side is always decided by a policy.
bool decisiveSide(const DirectionVerdict& side, bool allowed) {
  auto d = side.decider();
  return side.allowed() == allowed && d != Decider::Default && d != Decider::NotApplicable;
}

// For a denied connection the denying side(s), for an allowed one each side a policy allowed.
std::string deciders(const Pod& from, const Pod& to, const Verdict& v) {
  std::string out;
  if (decisiveSide(v.egress, v.allowed())) out = describeSide("egress", from, v.egress);
  if (decisiveSide(v.ingress, v.allowed())) out += (out.empty() ? "" : "; ") + describeSide("ingress", to, v.ingress);
  return out.empty() ? "allowed: no policy decides it" : out;
}

bool continues(const ConnectionChange& a, const ConnectionChange& b) {
  return a.from == b.from && a.to == b.to && a.ports.protocol == b.ports.protocol && a.ports.last + 1 == b.ports.first &&
         a.nowAllowed == b.nowAllowed && a.now == b.now && a.before == b.before;
}

}  // namespace

std::string PortInterval::str() const {
  std::string out = std::string(nftProtocolName(protocol)) + " " + std::to_string(first);
  return first == last ? out : out + "-" + std::to_string(last);
}

std::vector<PortInterval> portIntervals(const Cluster& current, const Cluster& changed) {
  Cuts cuts;
  for (const Cluster* c : {&current, &changed}) {
    for (const auto& pod : c->pods) addPortCuts(pod, cuts);
    for (const auto& policy : c->policies) addRuleCuts(policy.ingress, cuts), addRuleCuts(policy.egress, cuts);
    for (const auto& cnp : c->clusterPolicies) addRuleCuts(cnp.ingress, cuts), addRuleCuts(cnp.egress, cuts);
  }
  return intervalsOf(std::move(cuts));
}

std::vector<ConnectionChange> diffClusters(const Cluster& current, const Cluster& changed) {
  std::vector<ConnectionChange> out;
  auto now = podSides(changed), before = podSides(current);
  for (const auto& fromNow : changed.pods)
    for (const auto& toNow : changed.pods) {
      if (&fromNow == &toNow) continue;
      const Pod* fromBefore = current.findPod(fromNow.namespace_, fromNow.name);
      const Pod* toBefore = current.findPod(toNow.namespace_, toNow.name);
      if (!fromBefore || !toBefore) continue;
      auto endsNow = probeEndpoints(fromNow, toNow);
      auto endsBefore = probeEndpoints(*fromBefore, *toBefore);
      if (!endsNow || !endsBefore) continue;  // not probed (no status.podIP), as in the matrix
      const auto &fromSides = now[fromNow.id()], &toSides = now[toNow.id()];
      const auto &fromSidesBefore = before[fromNow.id()], &toSidesBefore = before[toNow.id()];
      // Only the policies of these two sides, in either state, cut this pair's ports.
      Cuts cuts = fromSides.egressCuts;
      cuts.merge(toSides.ingressCuts);
      cuts.merge(fromSidesBefore.egressCuts);
      cuts.merge(toSidesBefore.ingressCuts);
      for (const auto& ports : intervalsOf(std::move(cuts))) {
        auto verdict = evaluateConnection(changed, endsNow->first, endsNow->second, ports.protocol, ports.first);
        auto old = evaluateConnection(current, endsBefore->first, endsBefore->second, ports.protocol, ports.first);
        if (verdict.allowed() == old.allowed()) continue;
        ConnectionChange change{fromNow.id(), toNow.id(), ports, verdict.allowed(), deciders(fromNow, toNow, verdict),
                                deciders(*fromBefore, *toBefore, old)};
        if (!out.empty() && continues(out.back(), change))
          out.back().ports.last = ports.last;  // the same rules decide the next ports too: one line
        else
          out.push_back(std::move(change));
      }
    }
  return out;
}

std::string renderDiff(const std::vector<ConnectionChange>& changes) {
  std::string out;
  size_t allowed = 0;
  for (const auto& c : changes) {
    allowed += c.nowAllowed;
    out += std::string(c.nowAllowed ? "newly allowed: " : "newly denied: ") + c.from + " -> " + c.to + " " +
           c.ports.str() + "\n  now:    " + c.now + "\n  before: " + c.before + "\n";
  }
  out += std::to_string(allowed) + " newly allowed, " + std::to_string(changes.size() - allowed) + " newly denied\n";
  return out;
}

}  // namespace netpol
