#include "netpol/diff.h"

#include <map>
#include <optional>
#include <set>

#include "netpol/evaluate.h"
#include "netpol/matrix.h"
#include "netpol/selection.h"

namespace netpol {
namespace {

// Per pod of one state: the port cuts of its egress and ingress sides.
struct PodSides {
  PortCuts egressCuts, ingressCuts;
};

std::map<std::string, PodSides> podSides(const Cluster& cluster) {
  std::map<std::string, PodSides> out;
  for (const auto& pod : cluster.pods)
    out[pod.id()] = {sideCuts(cluster, pod, false), sideCuts(cluster, pod, true)};
  return out;
}

// A side worth naming: it agrees with the verdict and a policy decided it, or a CNP Pass handed it down
// to the default (a reviewer of a priority change needs the Pass). A denying side is always decided by a policy.
bool decisiveSide(const DirectionVerdict& side, bool allowed) {
  auto d = side.decider();
  bool passed = (side.admin && side.admin->action == CnpAction::Pass) || side.baseline;
  return side.allowed() == allowed && d != Decider::NotApplicable && d != Decider::Hairpin &&
         (d != Decider::Default || passed);
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
         a.family == b.family && a.nowAllowed == b.nowAllowed && a.now == b.now && a.before == b.before;
}

struct FamilyProbe {
  Family family;
  std::pair<Endpoint, Endpoint> now, before;
};

bool sameChange(const ConnectionChange& a, const ConnectionChange& b) {
  return a.nowAllowed == b.nowAllowed && a.now == b.now && a.before == b.before;
}

}  // namespace

std::vector<PortInterval> portIntervals(const Cluster& current, const Cluster& changed) {
  PortCuts cuts;
  for (const Cluster* c : {&current, &changed}) {
    for (const auto& pod : c->pods) addPortCuts(pod, cuts);
    for (const auto& policy : c->policies) addRuleCuts(policy.ingress, cuts), addRuleCuts(policy.egress, cuts);
    for (const auto& cnp : c->clusterPolicies) addRuleCuts(cnp.ingress, cuts), addRuleCuts(cnp.egress, cuts);
  }
  return cuts.intervals();
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
      // Every family both pods have in both states: a dual-stack pair's IPv6 traffic is decided apart from
      // its IPv4 traffic where a networks/ipBlock peer names one family only.
      std::vector<FamilyProbe> probes;
      for (Family family : {Family::V4, Family::V6}) {
        auto endsNow = familyEndpoints(fromNow, toNow, family), endsBefore = familyEndpoints(*fromBefore, *toBefore, family);
        if (endsNow && endsBefore) probes.push_back({family, *endsNow, *endsBefore});
      }
      if (probes.empty()) {  // no family shared by both states (a pod moved to the other family): as the matrix probes each
        auto endsNow = probeEndpoints(fromNow, toNow), endsBefore = probeEndpoints(*fromBefore, *toBefore);
        if (!endsNow || !endsBefore) continue;  // not probed (no status.podIP), as in the matrix
        probes.push_back({endsNow->first.ip.family, *endsNow, *endsBefore});
      }
      const auto &fromSides = now[fromNow.id()], &toSides = now[toNow.id()];
      const auto &fromSidesBefore = before[fromNow.id()], &toSidesBefore = before[toNow.id()];
      // Only the policies of these two sides, in either state, cut this pair's ports.
      PortCuts cuts = fromSides.egressCuts;
      cuts.merge(toSides.ingressCuts);
      cuts.merge(fromSidesBefore.egressCuts);
      cuts.merge(toSidesBefore.ingressCuts);
      // Per family ("" for one line without a family), the line the next ports may extend: the same rules
      // deciding them too make one line.
      std::map<std::string, size_t> openLine;
      for (const auto& ports : cuts.intervals()) {
        std::vector<std::optional<ConnectionChange>> perFamily;
        for (const auto& probe : probes) {
          auto verdict = evaluateConnection(changed, probe.now.first, probe.now.second, ports.protocol, ports.first);
          auto old = evaluateConnection(current, probe.before.first, probe.before.second, ports.protocol, ports.first);
          if (verdict.allowed() == old.allowed()) {
            perFamily.emplace_back();
            continue;
          }
          perFamily.push_back(ConnectionChange{fromNow.id(), toNow.id(), ports, "", verdict.allowed(),
                                               deciders(fromNow, toNow, verdict), deciders(*fromBefore, *toBefore, old)});
        }
        // Both families changed alike, or only one is shared: one line without a family.
        bool alike = perFamily.size() == 1 ||
                     (perFamily[0] && perFamily[1] && sameChange(*perFamily[0], *perFamily[1])) ||
                     (!perFamily[0] && !perFamily[1]);
        if (alike) perFamily.resize(1);
        for (size_t i = 0; i < perFamily.size(); ++i) {
          if (!perFamily[i]) continue;
          ConnectionChange change = std::move(*perFamily[i]);
          if (!alike) change.family = probes[i].family == Family::V4 ? "IPv4" : "IPv6";
          auto open = openLine.find(change.family);
          if (open != openLine.end() && continues(out[open->second], change)) {
            out[open->second].ports.last = ports.last;
          } else {
            openLine[change.family] = out.size();
            out.push_back(std::move(change));
          }
        }
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
           c.ports.str() + (c.family.empty() ? "" : " over " + c.family) + "\n  now:    " + c.now + "\n  before: " + c.before + "\n";
  }
  out += std::to_string(allowed) + " newly allowed, " + std::to_string(changes.size() - allowed) + " newly denied\n";
  return out;
}

}  // namespace netpol
