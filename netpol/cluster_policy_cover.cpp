#include "netpol/cluster_policy_cover.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace netpol {
namespace {

using Kind = CnpPeer::Kind;

using Op = kube::LabelSelectorRequirement::Operator;
using Values = std::set<std::string>;

// What a selector allows for one label key: absent or not, and which values. A selector is an AND of
// requirements, each on one key, so the label sets it matches are the product of these per-key domains.
struct KeyDomain {
  bool absentAllowed = true;
  bool finite = false;  // values allowed: exactly `values` when finite, every value but `values` otherwise
  Values values;

  void intersect(bool finiteOther, const Values& other) {
    Values out;
    if (finite && finiteOther) {
      std::set_intersection(values.begin(), values.end(), other.begin(), other.end(), std::inserter(out, out.end()));
    } else if (finite || finiteOther) {
      const Values& allowed = finite ? values : other;
      const Values& excluded = finite ? other : values;
      std::set_difference(allowed.begin(), allowed.end(), excluded.begin(), excluded.end(), std::inserter(out, out.end()));
    } else {
      std::set_union(values.begin(), values.end(), other.begin(), other.end(), std::inserter(out, out.end()));
    }
    finite = finite || finiteOther;
    values = std::move(out);
  }
  // labels.Requirement.Matches: In and Exists need the key; NotIn and DoesNotExist also match without it.
  void add(const kube::LabelSelectorRequirement& r) {
    Values v(r.values.begin(), r.values.end());
    switch (r.op) {
      case Op::In: absentAllowed = false; intersect(true, v); break;
      case Op::NotIn: intersect(false, v); break;
      case Op::Exists: absentAllowed = false; break;
      case Op::DoesNotExist: intersect(true, {}); break;
    }
  }
  bool empty() const { return !absentAllowed && finite && values.empty(); }
  // Every label state this domain allows satisfies r.
  bool implies(const kube::LabelSelectorRequirement& r) const {
    Values v(r.values.begin(), r.values.end());
    switch (r.op) {
      case Op::In:
        return !absentAllowed && finite && std::includes(v.begin(), v.end(), values.begin(), values.end());
      case Op::NotIn:
        return finite ? std::none_of(values.begin(), values.end(), [&](const std::string& x) { return v.count(x) > 0; })
                      : std::includes(values.begin(), values.end(), v.begin(), v.end());
      case Op::Exists: return !absentAllowed;
      case Op::DoesNotExist: return finite && values.empty();
    }
    return false;
  }
};

// Every requirement of a selector, matchLabels as `key In (value)`.
std::vector<kube::LabelSelectorRequirement> requirements(const kube::LabelSelector& s) {
  std::vector<kube::LabelSelectorRequirement> out;
  for (const auto& [key, value] : s.matchLabels) out.push_back({key, Op::In, {value}});
  out.insert(out.end(), s.matchExpressions.begin(), s.matchExpressions.end());
  return out;
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

// a covers b when every requirement of a holds wherever b's domain for its key allows. A b that matches
// nothing is left alone (false): saying that it is shadowed would hide that it is empty.
bool selectorCovers(const kube::LabelSelector& a, const kube::LabelSelector& b) {
  std::map<std::string, KeyDomain> domains;
  for (const auto& r : requirements(b)) domains[r.key].add(r);
  if (std::any_of(domains.begin(), domains.end(), [](const auto& d) { return d.second.empty(); })) return false;
  auto required = requirements(a);
  return std::all_of(required.begin(), required.end(), [&](const kube::LabelSelectorRequirement& r) {
    auto it = domains.find(r.key);
    return (it == domains.end() ? KeyDomain{} : it->second).implies(r);
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
