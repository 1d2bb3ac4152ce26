#include "netpol/cluster_policy_lint.h"

#include <algorithm>

#include "kube/json_reader.h"
#include "netpol/cluster_policy_cover.h"
#include "netpol/cluster_policy_decode.h"
#include "netpol/cluster_policy_evaluate.h"
#include "netpol/selection.h"

namespace netpol {
namespace {

using Findings = std::vector<std::pair<size_t, findings::Finding>>;

findings::Finding finding(const std::string& check, const std::string& field, const std::string& message,
                          findings::Enforcement enforcement = findings::Enforcement::Warning) {
  findings::Finding f;
  f.check = check;
  f.level = "netpol";
  f.message = message;
  f.enforcement = enforcement;
  f.field = field;
  return f;
}

std::string rulePath(bool ingress, size_t index) {
  return std::string(ingress ? "spec.ingress[" : "spec.egress[") + std::to_string(index) + "]";
}

// `Admin ClusterNetworkPolicy "x" (priority 5) egress[0] "name" (Accept)`
std::string describeRule(const ClusterNetworkPolicy& p, bool ingress, size_t index) {
  const auto& rule = (ingress ? p.ingress : p.egress)[index];
  return TierMatch{p.tier, p.name, p.priority, ingress, index, rule.name, rule.action}.describe();
}

class ClusterPolicyLinter {
 public:
  ClusterPolicyLinter(const Cluster& cluster, const std::vector<ClusterNetworkPolicy>& policies, Findings& out)
      : cluster_(cluster), policies_(policies), out_(out) {}

  void run() {
    for (size_t i = 0; i < policies_.size(); ++i) {
      const auto& p = policies_[i];
      std::vector<const Pod*> subjects = selectedPods(p);
      if (!podNetworkPods().empty() && subjects.empty())
        add(p, "cnp.subjectMatchesNothing", "spec.subject",
            "spec.subject selects no pod of the input: the policy's rules apply to nothing" +
                hostNetworkNote(hostNetworkMatches([&](const Pod& pod) { return clusterPolicySelectsPod(cluster_, p, pod); })));
      for (bool ingress : {true, false}) {
        const auto& rules = ingress ? p.ingress : p.egress;
        for (size_t r = 0; r < rules.size(); ++r) {
          lintShadowing(i, ingress, r);
          lintPeers(p, ingress, r);
        }
      }
      lintPriorityTie(i, subjects);
    }
  }

 private:
  void add(const ClusterNetworkPolicy& p, const std::string& check, const std::string& field, const std::string& message) {
    out_.push_back({p.manifestIndex, finding(check, field, message)});
  }

  std::vector<const Pod*> podNetworkPods() const {
    std::vector<const Pod*> out;
    for (const auto& pod : cluster_.pods)
      if (!pod.hostNetwork) out.push_back(&pod);
    return out;
  }

  // The hostNetwork pods that `selects` would take if they were on the pod network: a selector that only
  // matches those is a mistake worth naming, since the API never makes them subjects nor
  // namespaces/pods peers (SPEC.md section 2: only nodes and networks peers match their addresses).
  template <typename Selects>
  std::vector<const Pod*> hostNetworkMatches(Selects selects) const {
    std::vector<const Pod*> out;
    for (const auto& pod : cluster_.pods) {
      if (!pod.hostNetwork) continue;
      Pod onPodNetwork = pod;
      onPodNetwork.hostNetwork = false;
      if (selects(onPodNetwork)) out.push_back(&pod);
    }
    return out;
  }

  static std::string hostNetworkNote(const std::vector<const Pod*>& pods) {
    if (pods.empty()) return "";
    return " (it matches only hostNetwork pods: " + podList(pods) +
           "; ClusterNetworkPolicy never selects those, and only nodes or networks peers match their addresses)";
  }

  std::vector<const Pod*> selectedPods(const ClusterNetworkPolicy& p) const {
    std::vector<const Pod*> out;
    for (const auto& pod : cluster_.pods)
      if (clusterPolicySelectsPod(cluster_, p, pod)) out.push_back(&pod);
    return out;
  }

  // Two copies of one object (same name: the input gives it twice) are never in force together: kubectl
  // apply replaces one by the other. Neither shadows nor ties with the other.
  static bool sameObject(const ClusterNetworkPolicy& a, const ClusterNetworkPolicy& b) { return a.name == b.name; }

  // The first earlier rule of the tier that matches everything this one does: this one never decides.
  void lintShadowing(size_t policyIndex, bool ingress, size_t ruleIndex) {
    const auto& p = policies_[policyIndex];
    const auto& rule = (ingress ? p.ingress : p.egress)[ruleIndex];
    for (size_t i = 0; i <= policyIndex; ++i) {
      const auto& earlier = policies_[i];
      if (i != policyIndex && sameObject(earlier, p)) continue;
      if (earlier.tier != p.tier || (i != policyIndex && !subjectCovers(earlier.subject, p.subject))) continue;
      const auto& rules = ingress ? earlier.ingress : earlier.egress;
      size_t end = i == policyIndex ? ruleIndex : rules.size();
      for (size_t r = 0; r < end; ++r) {
        if (!ruleCovers(rules[r], rule)) continue;
        std::string consequence = rules[r].action == rule.action
                                      ? "it is redundant"
                                      : std::string("its ") + actionName(rule.action) + " never applies";
        add(p, "cnp.ruleShadowed", rulePath(ingress, ruleIndex),
            describeRule(p, ingress, ruleIndex) + " is shadowed: " + describeRule(earlier, ingress, r) +
                " is evaluated first and matches all of its traffic, so " + consequence);
        return;
      }
    }
  }

  void lintPeers(const ClusterNetworkPolicy& p, bool ingress, size_t ruleIndex) {
    if (podNetworkPods().empty()) return;
    const auto& rule = (ingress ? p.ingress : p.egress)[ruleIndex];
    auto peerSelects = [&](const CnpPeer& peer, const Pod& pod) {
      const Namespace* ns = cluster_.findNamespace(pod.namespace_);
      if (!ns) return false;
      return peer.kind == CnpPeer::Kind::Namespaces
                 ? peer.selector.matches(ns->labels)
                 : peer.pods.namespaceSelector.matches(ns->labels) && peer.pods.podSelector.matches(pod.labels);
    };
    for (const auto& peer : rule.peers) {
      if (peer.kind != CnpPeer::Kind::Namespaces && peer.kind != CnpPeer::Kind::Pods) return;
      for (const auto& pod : cluster_.pods)
        if (selectablePeer(pod) && peerSelects(peer, pod)) return;
    }
    auto hostNetwork = hostNetworkMatches([&](const Pod& pod) {
      return !pod.terminated && std::any_of(rule.peers.begin(), rule.peers.end(),
                                            [&](const CnpPeer& peer) { return peerSelects(peer, pod); });
    });
    add(p, "cnp.peersMatchNothing", rulePath(ingress, ruleIndex) + (ingress ? ".from" : ".to"),
        describeRule(p, ingress, ruleIndex) + " never matches: its peers select no pod of the input" +
            hostNetworkNote(hostNetwork));
  }

  // Ingress rules are evaluated for the destination pod, egress rules for the source: only rules of one
  // direction are ever ordered against each other. Where all of them share one action, whichever comes
  // first gives the same verdict. So a tie matters only with two different actions in a common direction:
  // "ingress", "egress", "ingress and egress", or "" when it cannot matter.
  static std::string directionsOrderMatters(const ClusterNetworkPolicy& a, const ClusterNetworkPolicy& b) {
    auto differentActions = [](const std::vector<CnpRule>& x, const std::vector<CnpRule>& y) {
      return std::any_of(x.begin(), x.end(), [&](const CnpRule& r) {
        return std::any_of(y.begin(), y.end(), [&](const CnpRule& s) { return r.action != s.action; });
      });
    };
    bool ingress = differentActions(a.ingress, b.ingress), egress = differentActions(a.egress, b.egress);
    return ingress && egress ? "ingress and egress" : ingress ? "ingress" : egress ? "egress" : "";
  }

  // Reported on the later of the two (in kguard's order), once per pair, when their order can change a verdict.
  void lintPriorityTie(size_t index, const std::vector<const Pod*>& subjects) {
    const auto& p = policies_[index];
    for (size_t i = 0; i < index; ++i) {
      const auto& other = policies_[i];
      if (sameObject(other, p) || other.tier != p.tier || other.priority != p.priority) continue;
      std::string directions = directionsOrderMatters(other, p);
      if (directions.empty()) continue;
      bool overlap = podNetworkPods().empty() || std::any_of(subjects.begin(), subjects.end(), [&](const Pod* pod) {
                       return clusterPolicySelectsPod(cluster_, other, *pod);
                     });
      if (!overlap) continue;
      add(p, "cnp.priorityTie", "spec.priority",
          std::string(tierName(p.tier)) + " ClusterNetworkPolicies \"" + other.name + "\" and \"" + p.name +
              "\" share priority " + std::to_string(p.priority) + ", select the same pods and have " + directions +
              " rules of different actions: upstream leaves their order undefined (kguard evaluates \"" +
              other.name + "\" first, by name)");
    }
  }

  const Cluster& cluster_;
  const std::vector<ClusterNetworkPolicy>& policies_;
  Findings& out_;
};

}  // namespace

std::string podList(const std::vector<const Pod*>& pods) {
  std::string out;
  for (size_t i = 0; i < pods.size() && i < 3; ++i) out += (i ? ", " : "") + pods[i]->id();
  if (pods.size() > 3) out += " and " + std::to_string(pods.size() - 3) + " more";
  return out;
}

void lintClusterNetworkPolicies(const std::vector<kube::Manifest>& manifests, const Cluster& cluster, Findings& out) {
  std::vector<ClusterNetworkPolicy> policies;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const auto& m = manifests[i];
    if (!isClusterNetworkPolicy(m) && !isRetiredAdminPolicy(m)) continue;
    try {
      if (isRetiredAdminPolicy(m))
        throw kube::DecodeError("kind", m.kind() + " (" + m.apiVersion() + ") is not supported: use "
                                                                             "policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy");
      policies.push_back(decodeClusterNetworkPolicy(m.object));
      policies.back().manifestIndex = i;
    } catch (const kube::DecodeError& e) {
      out.push_back({i, finding("cnp.invalid", e.path(), e.problem(), findings::Enforcement::Error)});
    }
  }
  std::stable_sort(policies.begin(), policies.end(), evaluatedBefore);
  ClusterPolicyLinter(cluster, policies, out).run();
}

}  // namespace netpol
