#pragma once
// Small clusters written as YAML, for the netpol tests.
#include <string>

#include "kube/manifest.h"
#include "netpol/decode.h"
#include "netpol/evaluate.h"
#include "netpol/nft_table.h"

namespace netpol_test {

// A running Pod. `labels` and `ports` are YAML flow text, e.g. "{app: web}" and
// "[{name: http, containerPort: 8080}]"; `ips` a flow list of status.podIPs addresses.
inline std::string pod(const std::string& ns, const std::string& name, const std::string& labels,
                       const std::string& ips, const std::string& ports = "[]", const std::string& extraSpec = "") {
  std::string podIps;
  std::string first;
  std::string rest = ips;
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t comma = rest.find(',', pos);
    std::string ip = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (first.empty()) first = ip;
    podIps += "  - ip: \"" + ip + "\"\n";
    pos = comma == std::string::npos ? rest.size() : comma + 1;
  }
  return "---\napiVersion: v1\nkind: Pod\nmetadata: {name: \"" + name + "\", namespace: \"" + ns + "\", labels: " + labels +
         "}\nspec:\n  containers: [{name: c, image: i, ports: " + ports + "}]\n" + extraSpec +
         "status:\n  phase: Running\n  podIP: \"" + first + "\"\n  podIPs:\n" + podIps;
}

inline std::string ns(const std::string& name, const std::string& labels = "{}") {
  return "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: \"" + name + "\", labels: " + labels + "}\n";
}

inline netpol::Cluster cluster(const std::string& yaml) {
  return netpol::decodeCluster(kube::parseManifests(yaml, "test.yaml"));
}

inline const netpol::Pod& podOf(const netpol::Cluster& c, const std::string& id) {
  auto slash = id.find('/');
  const netpol::Pod* p = c.findPod(id.substr(0, slash), id.substr(slash + 1));
  if (!p) throw std::runtime_error("no pod " + id);
  return *p;
}

// Pod to pod over the destination's first address of `family`.
inline netpol::Verdict probe(const netpol::Cluster& c, const std::string& from, const std::string& to,
                             netpol::Protocol protocol, int port, netpol::Family family = netpol::Family::V4) {
  const auto& src = podOf(c, from);
  const auto& dst = podOf(c, to);
  return netpol::evaluateConnection(c, {&src, *src.firstIp(family)}, {&dst, *dst.firstIp(family)}, protocol, port);
}

inline bool allowed(const netpol::Cluster& c, const std::string& from, const std::string& to, int port = 80,
                    netpol::Protocol protocol = netpol::Protocol::TCP) {
  return probe(c, from, to, protocol, port).allowed();
}

// From an address outside the cluster (no pod) to a pod.
inline bool allowedFromAddress(const netpol::Cluster& c, const std::string& ip, const std::string& to, int port = 80) {
  const auto& dst = podOf(c, to);
  auto src = netpol::parseIp(ip);
  return netpol::evaluateConnection(c, {nullptr, *src}, {&dst, *dst.firstIp(src->family)}, netpol::Protocol::TCP, port)
      .allowed();
}

inline bool allowedToAddress(const netpol::Cluster& c, const std::string& from, const std::string& ip, int port = 80) {
  const auto& src = podOf(c, from);
  auto dst = netpol::parseIp(ip);
  return netpol::evaluateConnection(c, {&src, *src.firstIp(dst->family)}, {nullptr, *dst}, netpol::Protocol::TCP, port)
      .allowed();
}

inline std::string policy(const std::string& ns, const std::string& name, const std::string& specYaml) {
  return "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: \"" + name + "\", namespace: \"" + ns +
         "\"}\nspec:\n" + specYaml + "\n";
}

// A ClusterNetworkPolicy; `subject` is YAML flow text, `rules` the spec's ingress/egress lines.
inline std::string clusterPolicy(const std::string& name, const std::string& tier, int priority,
                                 const std::string& subject, const std::string& rules) {
  return "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: " + name +
         "}\nspec:\n  tier: " + tier + "\n  priority: " + std::to_string(priority) + "\n  subject: " + subject + "\n" +
         rules + "\n";
}

// Pod x/a's table under an Admin tier: Accept of TCP 80 from x/b, then `action` of TCP 82; its verdict map
// admin_ingress_v4 holds 40 more (hand-made) elements, so that one element changing is a delta, not a
// recreated map (agent/nft_batch.cpp).
inline netpol::nft::Table adminVerdictMap(const std::string& action, const netpol::RenderOptions& options = {}) {
  auto c = cluster(ns("x") + pod("x", "a", "{pod: a}", "10.0.0.1") + pod("x", "b", "{pod: b}", "10.0.0.2") +
                   clusterPolicy("admin", "Admin", 1, "{pods: {podSelector: {matchLabels: {pod: a}}}}",
                                 "  ingress:\n  - {action: Accept, from: [{pods: {podSelector: {matchLabels: {pod: b}}}}], "
                                 "protocols: [{tcp: {destinationPort: {number: 80}}}]}\n  - {action: " + action +
                                     ", from: [{pods: {podSelector: {matchLabels: {pod: b}}}}], protocols: [{tcp: {destinationPort: {number: 82}}}]}"));
  auto t = netpol::nft::buildTable(netpol::compileRuleset(c, podOf(c, "x/a")), options);
  for (auto& s : t.sets)
    if (s.name == "admin_ingress_v4")
      for (int i = 0; i < 40; ++i)
        s.elements.push_back({netpol::singleAddress(*netpol::parseIp("10.5.0." + std::to_string(i + 1))),
                              netpol::Protocol::TCP, 22, 22, "", ""});
  return t;
}

}  // namespace netpol_test
