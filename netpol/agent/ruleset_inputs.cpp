#include "netpol/agent/ruleset_inputs.h"

#include "netpol/cluster_policy_evaluate.h"
#include "netpol/selection.h"

namespace netpol::agent {
namespace {

// Length-prefixed fields keep the text unambiguous whatever the names and labels contain.
void field(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

void labels(std::string& out, const kube::StringMap& map) {
  out += 'L' + std::to_string(map.size());
  for (const auto& [key, value] : map) field(out, key), field(out, value);
}

void addresses(std::string& out, const std::vector<IpAddress>& ips) {
  out += 'A' + std::to_string(ips.size());
  for (const auto& ip : ips) field(out, ip.str());
}

}  // namespace

std::string describeWorld(const Cluster& cluster) {
  std::string out;
  for (const auto& ns : cluster.namespaces) {
    out += "N";
    field(out, ns.name);
    labels(out, ns.labels);
  }
  for (const auto& pod : cluster.pods) {
    out += "P";
    field(out, pod.namespace_);
    field(out, pod.name);
    field(out, pod.nodeName);
    out += pod.hostNetwork ? 'h' : '-';
    out += pod.terminated ? 't' : '-';
    labels(out, pod.labels);
    addresses(out, pod.ips);
    addresses(out, pod.hostIPs);
    for (const auto& port : pod.ports) {
      field(out, port.name);
      out += std::to_string(port.number) + protocolName(port.protocol) + ';';
    }
  }
  for (const auto& node : cluster.nodes) {
    out += "D";
    field(out, node.name);
    labels(out, node.labels);  // ClusterNetworkPolicy `nodes` peers select by them
    addresses(out, node.addresses);
  }
  return out;
}

std::optional<SelectingPolicies> selectingPolicySpecs(const Cluster& cluster, const Pod& pod) {
  SelectingPolicies out;
  for (const auto& policy : cluster.policies)
    if (policy.namespace_ == pod.namespace_ && policySelectsPod(policy, pod)) {
      if (policy.canonicalSpec.empty()) return std::nullopt;
      out.networkPolicies.push_back(policy.id() + "\n" + policy.canonicalSpec);
    }
  // Their peers resolve against the world (pods, namespaces, Nodes).
  for (const auto& cnp : cluster.clusterPolicies)
    if (clusterPolicySelectsPod(cluster, cnp, pod)) {
      if (cnp.canonicalSpec.empty()) return std::nullopt;
      out.clusterPolicies.push_back(cnp.name + "\n" + cnp.canonicalSpec);
    }
  return out;
}

}  // namespace netpol::agent
