#include "netpol/cluster_policy_cover.h"

#include <algorithm>

namespace netpol {
namespace {

using Kind = CnpPeer::Kind;

bool sameRequirement(const kube::LabelSelectorRequirement& a, const kube::LabelSelectorRequirement& b) {
  auto av = a.values, bv = b.values;
  std::sort(av.begin(), av.end());
  std::sort(bv.begin(), bv.end());
  return a.key == b.key && a.op == b.op && av == bv;
}

bool podsCover(const CnpPodsSelector& a, const CnpPodsSelector& b) {
  return selectorCovers(a.namespaceSelector, b.namespaceSelector) && selectorCovers(a.podSelector, b.podSelector);
}

// networks: [0.0.0.0/0, ::/0] match every address, pods and nodes included.
bool everyAddress(const CnpPeer& p) {
  bool v4 = false, v6 = false;
  for (const auto& c : p.networks)
    if (c.prefix == 0) (c.network.family == Family::V4 ? v4 : v6) = true;
  return v4 && v6;
}

bool peerCovers(const CnpPeer& a, const CnpPeer& b) {
  if (a.kind == Kind::Networks && everyAddress(a)) return true;
  switch (a.kind) {
    case Kind::Namespaces:
      if (b.kind == Kind::Namespaces) return selectorCovers(a.selector, b.selector);
      return b.kind == Kind::Pods && selectorCovers(a.selector, b.pods.namespaceSelector);
    case Kind::Pods:
      if (b.kind == Kind::Pods) return podsCover(a.pods, b.pods);
      return b.kind == Kind::Namespaces && a.pods.podSelector.selectsEverything() &&
             selectorCovers(a.pods.namespaceSelector, b.selector);
    case Kind::Nodes: return b.kind == Kind::Nodes && selectorCovers(a.selector, b.selector);
    case Kind::Networks:
      return b.kind == Kind::Networks && std::all_of(b.networks.begin(), b.networks.end(), [&](const Cidr& inner) {
               return std::any_of(a.networks.begin(), a.networks.end(), [&](const Cidr& outer) {
                 return outer.contains(inner.range().first) && outer.contains(inner.range().last);
               });
             });
  }
  return false;
}

bool protocolCovers(const CnpProtocol& a, const CnpProtocol& b) {
  if (a.namedPort || b.namedPort) return a.namedPort == b.namedPort;
  return a.protocol == b.protocol && a.first <= b.first && b.last <= a.last;
}

}  // namespace

bool selectorCovers(const kube::LabelSelector& a, const kube::LabelSelector& b) {
  for (const auto& [key, value] : a.matchLabels) {
    auto it = b.matchLabels.find(key);
    if (it == b.matchLabels.end() || it->second != value) return false;
  }
  return std::all_of(a.matchExpressions.begin(), a.matchExpressions.end(), [&](const kube::LabelSelectorRequirement& r) {
    return std::any_of(b.matchExpressions.begin(), b.matchExpressions.end(),
                       [&](const kube::LabelSelectorRequirement& s) { return sameRequirement(r, s); });
  });
}

bool subjectCovers(const CnpSubject& a, const CnpSubject& b) {
  if (a.namespaces && b.namespaces) return selectorCovers(*a.namespaces, *b.namespaces);
  if (a.namespaces && b.pods) return selectorCovers(*a.namespaces, b.pods->namespaceSelector);
  if (a.pods && b.pods) return podsCover(*a.pods, *b.pods);
  return a.pods && b.namespaces && a.pods->podSelector.selectsEverything() &&
         selectorCovers(a.pods->namespaceSelector, *b.namespaces);
}

bool ruleCovers(const CnpRule& a, const CnpRule& b) {
  bool protocols = a.protocols.empty() ||
                   (!b.protocols.empty() && std::all_of(b.protocols.begin(), b.protocols.end(), [&](const CnpProtocol& q) {
                     return std::any_of(a.protocols.begin(), a.protocols.end(),
                                        [&](const CnpProtocol& p) { return protocolCovers(p, q); });
                   }));
  return protocols && std::all_of(b.peers.begin(), b.peers.end(), [&](const CnpPeer& q) {
           return std::any_of(a.peers.begin(), a.peers.end(), [&](const CnpPeer& p) { return peerCovers(p, q); });
         });
}

}  // namespace netpol
