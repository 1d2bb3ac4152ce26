#include "netpol/model.h"

#include <algorithm>

namespace netpol {

std::optional<IpAddress> Pod::firstIp(Family f) const {
  for (const auto& ip : ips)
    if (ip.family == f) return ip;
  return std::nullopt;
}

const Namespace* Cluster::findNamespace(const std::string& name) const {
  for (const auto& ns : namespaces)
    if (ns.name == name) return &ns;
  return nullptr;
}

const Pod* Cluster::findPod(const std::string& namespace_, const std::string& name) const {
  for (const auto& pod : pods)
    if (pod.namespace_ == namespace_ && pod.name == name) return &pod;
  return nullptr;
}

const Pod* Cluster::podWithIp(const IpAddress& ip) const {
  for (const auto& pod : pods) {
    if (pod.hostNetwork || pod.terminated) continue;
    if (std::find(pod.ips.begin(), pod.ips.end(), ip) != pod.ips.end()) return &pod;
  }
  return nullptr;
}

std::vector<IpAddress> Cluster::nodeAddresses(const std::string& nodeName) const {
  std::vector<IpAddress> out;
  if (nodeName.empty()) return out;
  auto add = [&out](const IpAddress& ip) {
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  };
  for (const auto& node : nodes)
    if (node.name == nodeName)
      for (const auto& ip : node.addresses) add(ip);
  for (const auto& pod : pods) {
    if (pod.nodeName != nodeName) continue;
    for (const auto& ip : pod.hostIPs) add(ip);
    if (pod.hostNetwork)
      for (const auto& ip : pod.ips) add(ip);  // a hostNetwork pod's IP is its node's IP
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace netpol
