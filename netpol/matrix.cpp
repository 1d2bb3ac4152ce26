#include "netpol/matrix.h"

#include <optional>
#include <sstream>
#include <vector>

namespace netpol {
namespace {

// The NetworkPolicy tier's decision for an isolated pod.
std::string describeNetworkPolicies(const char* direction, const DirectionVerdict& v) {
  std::string isolating;
  for (const auto& p : v.isolatingPolicies) isolating += (isolating.empty() ? "" : ", ") + p;
  if (!v.allowingRules.empty()) {
    std::string rules;
    for (const auto& r : v.allowingRules)
      rules += (rules.empty() ? "" : ", ") + r.policy + " " + direction + "[" + std::to_string(r.index) + "]";
    return "allowed by " + rules + " (isolated by " + isolating + ")";
  }
  if (v.fromOwnNode) return "allowed (traffic from the pod's own node; isolated by " + isolating + ")";
  return "denied (isolated by " + isolating + "; no " + direction + " rule allows it)";
}

}  // namespace

std::optional<std::pair<Endpoint, Endpoint>> familyEndpoints(const Pod& from, const Pod& to, Family family) {
  if (from.terminated || to.terminated) return std::nullopt;  // no process to connect; its IP may be another's
  auto source = from.firstIp(family), target = to.firstIp(family);
  if (!source || !target) return std::nullopt;
  return std::make_pair(Endpoint{&from, *source}, Endpoint{&to, *target});
}

std::optional<std::pair<Endpoint, Endpoint>> probeEndpoints(const Pod& from, const Pod& to) {
  auto v4 = familyEndpoints(from, to, Family::V4);  // IPv4 where both have it, else IPv6
  return v4 ? v4 : familyEndpoints(from, to, Family::V6);
}

std::string describeSide(const char* direction, const Pod& pod, const DirectionVerdict& v) {
  std::string out = std::string(direction) + " of " + pod.id() + ": ";
  // A Pass (Admin, or Baseline without a later decision) is named: it handed the decision down.
  std::string passed;
  if (v.admin && v.admin->action == CnpAction::Pass) passed += "; " + v.admin->describe() + ", handing the decision down";
  switch (v.decider()) {
    case Decider::NotApplicable: return out + "allowed (hostNetwork pod: network policies do not apply)";
    case Decider::Hairpin:
      return out + "allowed (the pod reaching its own address: the traffic stays inside the pod, over lo, where no network policy applies)";
    case Decider::Admin:
      return out + (v.allowed() ? "allowed" : "denied") + " by " + v.admin->describe();
    case Decider::NetworkPolicy: return out + describeNetworkPolicies(direction, v) + passed;
    case Decider::Baseline:
      return out + (v.allowed() ? "allowed" : "denied") + " by " + v.baseline->describe() +
             " (no NetworkPolicy isolates it for " + direction + passed + ")";
    case Decider::Default: break;
  }
  if (v.baseline) passed += "; " + v.baseline->describe() + ", handing the decision down";
  return out + "allowed (not isolated: no NetworkPolicy selects it for " + direction + passed + ")";
}

namespace {

// Explain's note when a CNP named in `v` shares its priority with another CNP of its tier selecting the
// pod: upstream leaves their order undefined, so say that kguard's name order decided (netpol/README.md).
std::string equalPriorityNotes(const Cluster& cluster, const char* direction, const Pod& pod,
                               const DirectionVerdict& v, const std::string& indent) {
  Decider d = v.decider();
  if (d == Decider::NotApplicable || d == Decider::Hairpin) return "";
  std::vector<const TierMatch*> named;
  if (v.admin) named.push_back(&*v.admin);
  if (v.baseline && (d == Decider::Baseline || d == Decider::Default)) named.push_back(&*v.baseline);
  std::string out;
  for (const TierMatch* m : named) {
    auto tied = equalPriorityPolicies(cluster, *m, pod);
    if (tied.empty()) continue;
    std::string names;
    for (const auto& n : tied) names += (names.empty() ? "\"" : ", \"") + n + "\"";
    out += indent + "note: " + direction + " of " + pod.id() + ": " + tierName(m->tier) + " ClusterNetworkPolicy \"" +
           m->policy + "\" has the same priority (" + std::to_string(m->priority) + ") as " + names +
           ", also selecting the pod; their order is undefined upstream and was decided by name\n";
  }
  return out;
}

}  // namespace

std::string renderMatrix(const Cluster& cluster, Protocol protocol, int32_t port) {
  std::ostringstream out;
  out << "probe " << nftProtocolName(protocol) << " " << port << "\n-";
  for (const auto& pod : cluster.pods) out << " " << pod.id();
  out << "\n";
  for (const auto& from : cluster.pods) {
    out << from.id();
    for (const auto& to : cluster.pods) {
      auto ends = probeEndpoints(from, to);
      if (!ends) {
        out << " ?";  // no address to probe: unknown, not blocked
        continue;
      }
      out << (evaluateConnection(cluster, ends->first, ends->second, protocol, port).allowed() ? " ." : " X");
    }
    out << "\n";
  }
  return out.str();
}

Explanation explainConnection(const Cluster& cluster, const Pod& from, const Pod& to, Protocol protocol,
                              int32_t port) {
  Explanation e;
  std::ostringstream out;
  auto ends = probeEndpoints(from, to);
  out << from.id() << " -> " << to.id() << " " << nftProtocolName(protocol) << " " << port;
  if (!ends) {
    if (from.terminated || to.terminated)
      out << ": not probed (" << (from.terminated ? from.id() : to.id()) << " has terminated, status.phase Succeeded or Failed)\n";
    else if (from.ips.empty() || to.ips.empty())
      out << ": not probed (" << (to.ips.empty() ? to.id() : from.id()) << " has no usable pod IP, status.podIP)\n";
    else  // both have addresses, of different families
      out << ": not probed (" << from.id() << " (" << from.ips.front().str() << ") and " << to.id() << " ("
          << to.ips.front().str() << ") have no IP family in common, status.podIPs)\n";
    e.probed = false;
    e.text = out.str();
    return e;
  }
  e.verdict = evaluateConnection(cluster, ends->first, ends->second, protocol, port);
  e.allowed = e.verdict.allowed();
  out << " (" << ends->first.ip.str() << " -> " << ends->second.ip.str() << "): "
      << (e.verdict.allowed() ? "allowed" : "denied") << "\n";
  out << "  " << describeSide("egress", from, e.verdict.egress) << "\n";
  out << "  " << describeSide("ingress", to, e.verdict.ingress) << "\n";
  out << equalPriorityNotes(cluster, "egress", from, e.verdict.egress, "  ")
      << equalPriorityNotes(cluster, "ingress", to, e.verdict.ingress, "  ");
  // A dual-stack pair is probed over IPv4; an IPv6-only peer (`networks`, `ipBlock`) can decide the same
  // connection otherwise over IPv6, which a dual-stack client may well use: then that verdict is shown too,
  // and the connection counts as allowed only if both families allow it.
  if (ends->first.ip.family == Family::V4)
    if (auto v6 = familyEndpoints(from, to, Family::V6)) {
      Verdict other = evaluateConnection(cluster, v6->first, v6->second, protocol, port);
      if (other.allowed() != e.allowed) {
        out << "  over IPv6 (" << v6->first.ip.str() << " -> " << v6->second.ip.str() << "): "
            << (other.allowed() ? "allowed" : "denied") << "\n";
        out << "    " << describeSide("egress", from, other.egress) << "\n";
        out << "    " << describeSide("ingress", to, other.ingress) << "\n";
        out << equalPriorityNotes(cluster, "egress", from, other.egress, "    ")
            << equalPriorityNotes(cluster, "ingress", to, other.ingress, "    ");
        if (!other.allowed()) e.verdict = other;
        e.allowed = false;
      }
    }
  e.text = out.str();
  return e;
}

}  // namespace netpol
