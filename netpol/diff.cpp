#include "netpol/diff.h"

#include <set>

#include "netpol/evaluate.h"
#include "netpol/matrix.h"

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
  void addEveryProtocol(int32_t first, int32_t last) {
    for (auto p : kProtocols) add(p, first, last);
  }
};

void addCuts(const Cluster& cluster, Cuts& cuts) {
  for (const auto& pod : cluster.pods)
    for (const auto& port : pod.ports) cuts.add(port.protocol, port.number, port.number);
  for (const auto& policy : cluster.policies)
    for (const auto* rules : {&policy.ingress, &policy.egress})
      for (const auto& rule : *rules)
        for (const auto& port : rule.ports)
          if (port.number) cuts.add(port.protocol, *port.number, port.endPort.value_or(*port.number));
  for (const auto& cnp : cluster.clusterPolicies)
    for (const auto* rules : {&cnp.ingress, &cnp.egress})
      for (const auto& rule : *rules)
        for (const auto& p : rule.protocols)
          if (p.protocol) cuts.add(*p.protocol, p.first, p.last);
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
  addCuts(current, cuts);
  addCuts(changed, cuts);
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

std::vector<ConnectionChange> diffClusters(const Cluster& current, const Cluster& changed) {
  std::vector<ConnectionChange> out;
  auto intervals = portIntervals(current, changed);
  for (const auto& fromNow : changed.pods)
    for (const auto& toNow : changed.pods) {
      if (&fromNow == &toNow) continue;
      const Pod* fromBefore = current.findPod(fromNow.namespace_, fromNow.name);
      const Pod* toBefore = current.findPod(toNow.namespace_, toNow.name);
      if (!fromBefore || !toBefore) continue;
      auto endsNow = probeEndpoints(fromNow, toNow);
      auto endsBefore = probeEndpoints(*fromBefore, *toBefore);
      if (!endsNow || !endsBefore) continue;  // not probed (no status.podIP), as in the matrix
      for (const auto& ports : intervals) {
        auto now = evaluateConnection(changed, endsNow->first, endsNow->second, ports.protocol, ports.first);
        auto before = evaluateConnection(current, endsBefore->first, endsBefore->second, ports.protocol, ports.first);
        if (now.allowed() == before.allowed()) continue;
        ConnectionChange change{fromNow.id(), toNow.id(), ports, now.allowed(), deciders(fromNow, toNow, now),
                                deciders(*fromBefore, *toBefore, before)};
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
