#include "netpol/lint.h"

#include <algorithm>

#include "kube/json_reader.h"
#include "netpol/cluster_policy_decode.h"
#include "netpol/cluster_policy_lint.h"
#include "netpol/decode.h"
#include "netpol/selection.h"

namespace netpol {
namespace {

using Findings = std::vector<std::pair<size_t, findings::Finding>>;

findings::Finding warning(const std::string& check, const std::string& field, const std::string& message) {
  findings::Finding f;
  f.check = check;
  f.level = "netpol";
  f.message = message;
  f.enforcement = findings::Enforcement::Warning;
  f.field = field;
  return f;
}

// The pods a Deployment, Job, ... will create count for lint too: a policy selecting a Deployment's
// template labels selects real pods, and their container ports define named ports. They have no IPs
// yet, so they only take part in the selector and named-port checks. hostNetwork templates go to
// `hostNetworkPods` instead: no policy applies to them, they only explain a selector that matches them.
void addWorkloadTemplates(const std::vector<kube::Manifest>& manifests, Cluster& cluster, std::vector<Pod>& hostNetworkPods) {
  for (const auto& m : manifests) {
    if (m.kind() == "Pod") continue;
    const kube::PodTemplate* pod;
    try {
      pod = m.pod().get();
    } catch (const kube::DecodeError&) {
      continue;  // reported by the Pod Security checker
    }
    if (!pod) continue;
    Pod p = templatePod(m.namespace_().empty() ? "default" : m.namespace_(), m.kind(), m.name(), *pod);
    if (p.hostNetwork) {
      p.ports.clear();
      hostNetworkPods.push_back(std::move(p));
      continue;
    }
    cluster.pods.push_back(std::move(p));
  }
}

// Pods and namespaces of the input, each decoded once and leniently: objects that fail to decode are
// left out (other checkers report them); policies are decoded and linted one by one below.
Cluster podsAndNamespaces(const std::vector<kube::Manifest>& manifests, std::vector<Pod>& hostNetworkPods) {
  std::vector<DecodedObject> decoded;
  for (const auto& m : manifests) {
    if (isNetworkPolicy(m) || isClusterNetworkPolicy(m)) continue;
    try {
      if (auto object = decodeObject(m)) decoded.push_back(std::move(*object));
    } catch (const kube::InputError&) {
    }
  }
  std::vector<const DecodedObject*> objects;
  for (const auto& o : decoded) objects.push_back(&o);
  Cluster cluster = assembleCluster(objects);
  addWorkloadTemplates(manifests, cluster, hostNetworkPods);
  for (const auto& pod : cluster.pods)
    if (pod.hostNetwork) hostNetworkPods.push_back(pod);
  return cluster;
}

class PolicyLinter {
 public:
  PolicyLinter(const Cluster& cluster, const std::vector<Pod>& hostNetworkPods, const NetworkPolicy& policy, Findings& out)
      : cluster_(cluster), hostNetworkPods_(hostNetworkPods), policy_(policy), out_(out), hasPods_(!cluster.pods.empty()) {}

  void run() {
    std::vector<const Pod*> selected;
    for (const auto& pod : cluster_.pods)
      if (policySelectsPod(policy_, pod)) selected.push_back(&pod);
    std::vector<const Pod*> hostNetwork;  // what the selector matches that no policy can isolate
    for (const auto& pod : hostNetworkPods_)
      if (pod.namespace_ == policy_.namespace_ && policy_.podSelector.matches(pod.labels)) hostNetwork.push_back(&pod);
    if (selected.empty() && !hostNetwork.empty())
      add("netpol.podSelectorMatchesOnlyHostNetwork", "spec.podSelector",
          "spec.podSelector (" + policy_.podSelector.describe() + ") selects only hostNetwork pods (" +
              podList(hostNetwork) + "): NetworkPolicy does not isolate pods on the node's network, so this policy has no effect");
    else if (hasPods_ && selected.empty())
      add("netpol.podSelectorMatchesNothing", "spec.podSelector",
          "spec.podSelector (" + policy_.podSelector.describe() + ") selects no pod of namespace " +
              policy_.namespace_ + " in the input");
    lintRules(policy_.ingress, "spec.ingress", "from", &selected);
    lintRules(policy_.egress, "spec.egress", "to", nullptr);
  }

 private:
  void add(const std::string& check, const std::string& field, const std::string& message) {
    out_.push_back({policy_.manifestIndex, warning(check, field, message)});
  }

  // `ingressTargets`: the pods whose ports an ingress rule names; null for egress, where the
  // destinations are the rule's peers.
  void lintRules(const std::vector<Rule>& rules, const std::string& base, const char* peersField,
                 const std::vector<const Pod*>* ingressTargets) {
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string rulePath = base + "[" + std::to_string(i) + "]";
      std::vector<const Pod*> destinations = ingressTargets ? *ingressTargets : peerPods(rules[i]);
      for (size_t j = 0; j < rules[i].peers.size(); ++j)
        if (rules[i].peers[j].ipBlock)
          lintIpBlock(*rules[i].peers[j].ipBlock, rulePath + "." + peersField + "[" + std::to_string(j) + "].ipBlock");
      for (size_t j = 0; j < rules[i].ports.size(); ++j) {
        const auto& port = rules[i].ports[j];
        if (!port.name || !hasPods_) continue;
        bool defined = std::any_of(destinations.begin(), destinations.end(),
                                   [&](const Pod* p) { return resolvePort(port, p).has_value(); });
        if (!defined)
          add("netpol.namedPortUndefined", rulePath + ".ports[" + std::to_string(j) + "].port",
              "named port " + *port.name + "/" + protocolName(port.protocol) + " is defined by no pod this rule applies to" +
                  (destinations.empty() ? " (it applies to no pod of the input)" : ""));
      }
    }
  }

  // The pods an egress rule can reach: selected pods, pods inside ipBlocks, or all for no peers.
  std::vector<const Pod*> peerPods(const Rule& rule) const {
    std::vector<const Pod*> out;
    for (const auto& pod : cluster_.pods) {
      if (!selectablePeer(pod)) continue;
      bool reached = rule.peers.empty() || std::any_of(rule.peers.begin(), rule.peers.end(), [&](const Peer& peer) {
        if (!peer.ipBlock) return peerSelectsPod(cluster_, policy_, peer, pod);
        return std::any_of(pod.ips.begin(), pod.ips.end(), [&](const IpAddress& ip) { return ipBlockContains(*peer.ipBlock, ip); });
      });
      if (reached) out.push_back(&pod);
    }
    return out;
  }

  void lintIpBlock(const IPBlock& block, const std::string& path) {
    if (block.cidr.hadHostBits)
      add("netpol.cidrHostBits", path + ".cidr",
          "ipBlock.cidr " + block.cidrText + " has host bits set: it means " + block.cidr.str());
    auto cidrRange = block.cidr.range();
    for (size_t k = 0; k < block.except.size(); ++k) {
      const auto& e = block.except[k];
      std::string field = path + ".except[" + std::to_string(k) + "]";
      auto r = e.range();
      if (!e.strictlyInside(block.cidr))
        add("netpol.exceptOutsideCidr", field,
            "except " + e.str() + " is not strictly inside cidr " + block.cidr.str() +
                (r.family() == cidrRange.family() && r.contains(cidrRange.first) && r.contains(cidrRange.last)
                     ? " and covers all of it: the ipBlock matches nothing"
                     : ": it excludes nothing outside the cidr"));
      if (e.hadHostBits) add("netpol.cidrHostBits", field, "except has host bits set: it means " + e.str());
    }
    std::vector<const Pod*> covered;
    for (const auto& pod : cluster_.pods) {
      if (!selectablePeer(pod)) continue;
      if (std::any_of(pod.ips.begin(), pod.ips.end(), [&](const IpAddress& ip) { return ipBlockContains(block, ip); }))
        covered.push_back(&pod);
    }
    if (!covered.empty())
      add("netpol.ipBlockCoversPods", path,
          "ipBlock " + block.cidr.str() + " covers pod IPs (" + podList(covered) +
              "); implementations differ on whether ipBlock matches pod traffic (it is meant for addresses "
              "outside the cluster): select pods with podSelector/namespaceSelector instead");
  }

  const Cluster& cluster_;
  const std::vector<Pod>& hostNetworkPods_;
  const NetworkPolicy& policy_;
  Findings& out_;
  bool hasPods_;
};

}  // namespace

Findings lintNetworkPolicies(const std::vector<kube::Manifest>& manifests) {
  Findings out;
  std::vector<Pod> hostNetworkPods;
  Cluster cluster = podsAndNamespaces(manifests, hostNetworkPods);
  for (size_t i = 0; i < manifests.size(); ++i) {
    if (!isNetworkPolicy(manifests[i])) continue;
    // Every field the API server refuses, each with its path (ValidateNetworkPolicy's field.ErrorList).
    std::vector<kube::DecodeError> refused;
    NetworkPolicy policy;
    try {
      policy = decodeNetworkPolicy(manifests[i].object, ExceptOutsideCidr::Keep, &refused);
    } catch (const kube::DecodeError& e) {
      refused.push_back(e);
    }
    for (const auto& e : refused) {
      findings::Finding f;
      f.check = "netpol.invalid";
      f.level = "netpol";
      f.message = e.problem();
      f.field = e.path();
      out.push_back({i, f});
    }
    if (!refused.empty()) continue;
    policy.manifestIndex = i;
    PolicyLinter(cluster, hostNetworkPods, policy, out).run();
  }
  lintClusterNetworkPolicies(manifests, cluster, out);
  return out;
}

}  // namespace netpol
