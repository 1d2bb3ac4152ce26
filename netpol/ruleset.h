#pragma once
// The nftables ruleset kguard owns in one pod's network namespace, as a plain value: static chains
// plus the data that changes (allowed peers) in per-family interval sets. It knows nothing of netlink;
// nft_table.h lays it out as the nftables table (counters, sets, chains), which render_nft.h prints as
// `nft -f` text and the agent programs as a netlink batch.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netpol/deny_rule_ids.h"
#include "netpol/ip.h"
#include "netpol/model.h"

namespace netpol {

// Traffic from/to these addresses on every protocol and port.
struct AddressElement {
  AddressRange address;
  std::vector<std::string> origins;  // "x/allow-web ingress[0]": the policy rules it came from
  bool operator==(const AddressElement& o) const { return address == o.address && origins == o.origins; }
};

// Traffic from/to `address` on protocol ports first..last (address . protocol . port).
struct PortElement {
  AddressRange address;
  Protocol protocol = Protocol::TCP;
  int32_t firstPort = 0;
  int32_t lastPort = 65535;
  std::vector<std::string> origins;
  bool operator==(const PortElement& o) const {
    return address == o.address && protocol == o.protocol && firstPort == o.firstPort && lastPort == o.lastPort &&
           origins == o.origins;
  }
};

// One ClusterNetworkPolicy tier for one direction of one pod, first match already resolved: every
// (address, protocol, port) box gets the action of the first rule of the tier's evaluation order that
// covers it; Pass and unmatched boxes are in neither list (they fall through to the next tier).
// `other` holds the boxes for protocols without ports (ICMP...), which only rules without
// `protocols` match. Origins name the deciding rule: "Admin deny-all egress[0] (name)".
struct TierRules {
  std::vector<PortElement> accept[2], drop[2];  // [0] IPv4, [1] IPv6; TCP, UDP and SCTP
  std::vector<AddressElement> acceptOther[2], dropOther[2];
  // The drop boxes again, per deciding Deny rule: deny logs need one set per rule to name it.
  struct DenyRuleBoxes {
    DenyRule rule;
    std::vector<PortElement> drop[2];
    std::vector<AddressElement> dropOther[2];
    bool operator==(const DenyRuleBoxes& o) const;
  };
  std::vector<DenyRuleBoxes> denyRules;
  bool empty() const;
  bool operator==(const TierRules& o) const;
};

// One direction of one pod. Elements are disjoint (nftables rejects overlapping intervals) and sorted.
struct DirectionRules {
  std::vector<std::string> isolatingPolicies;  // empty = not isolated by NetworkPolicies
  std::vector<AddressElement> anyPort[2];      // [0] IPv4, [1] IPv6
  std::vector<PortElement> ports[2];
  TierRules admin;     // before the NetworkPolicies
  TierRules baseline;  // after them: only for directions no NetworkPolicy isolates

  bool isolated() const { return !isolatingPolicies.empty(); }
  // A direction nothing filters gets no chain: not isolated and no tier decides any box.
  bool filtered() const { return isolated() || !admin.empty() || !baseline.empty(); }
  size_t elementCount() const;
  bool operator==(const DirectionRules& o) const;
};

struct Ruleset {
  std::string pod;                       // namespace/name
  std::vector<IpAddress> podIps;
  std::vector<AddressRange> nodeAddresses[2];  // ingress from the pod's node is always allowed
  DirectionRules ingress;                // input hook: peers are sources, ports are ours
  DirectionRules egress;                 // output hook: peers are destinations and their ports

  // What the installed chains do with a new connection (established/related replies aside):
  // ingress from `peer` to our `port`, or egress to `peer` on its `port`. Evaluated on the
  // nft::Table (nft_table.cpp), not on a model of its own.
  bool admitsIngress(const IpAddress& peer, Protocol protocol, int32_t port) const;
  bool admitsEgress(const IpAddress& peer, Protocol protocol, int32_t port) const;
  // Equal rulesets build equal tables (the agent then skips building and installing one).
  bool operator==(const Ruleset& o) const;
  bool operator!=(const Ruleset& o) const { return !(*this == o); }
};

int familyIndex(Family f);

// The first-match boxes of `tier` for the `subject` pod's ingress (peers are sources) or egress
// (peers are destinations), from the ClusterNetworkPolicies selecting it (compile_tiers.cpp).
TierRules compileTier(const Cluster& cluster, Tier tier, bool ingress, const Pod& subject);
// The ClusterNetworkPolicies of `tier` selecting `subject`, in evaluation order.
std::vector<const ClusterNetworkPolicy*> tierPoliciesSelecting(const Cluster& cluster, Tier tier, const Pod& subject);
// compileTier from those policies. The subject counts only through them and, for ingress, its named
// ports: pods with equal lists (and ingress ports) get equal rules, which RulesetCompiler reuses.
TierRules compileTier(const Cluster& cluster, const std::vector<const ClusterNetworkPolicy*>& policies, bool ingress,
                      const Pod& subject);

// Compiles every policy selecting `pod` into its ruleset. Cost is linear in policies x peers, but the
// result has one element per distinct (peer range, protocol, port range), never per rule.
Ruleset compileRuleset(const Cluster& cluster, const Pod& pod);

// The same for many pods of one cluster: what a rule's peers select does not depend on the pod
// being compiled, so it is resolved once per rule and reused. `cluster` must outlive the compiler.
class RulesetCompiler {
 public:
  // `localNodeAddresses`: more sources that count as the pod's own node, beyond what the Node object
  // and the pods' hostIPs say (the agent passes the addresses of its node's interfaces).
  explicit RulesetCompiler(const Cluster& cluster, std::vector<IpAddress> localNodeAddresses = {});
  ~RulesetCompiler();
  RulesetCompiler(const RulesetCompiler&) = delete;
  RulesetCompiler& operator=(const RulesetCompiler&) = delete;
  // `networkPoliciesOf`, when given, is an earlier ruleset of the same pod compiled from the same world
  // (pods, namespaces, nodes, local node addresses) and the same NetworkPolicies selecting the pod: its
  // NetworkPolicy part (node addresses, isolation, anyPort/ports sets) is taken as is and only the tiers
  // are compiled, which is all a ClusterNetworkPolicy change can alter.
  Ruleset compile(const Pod& pod, const Ruleset* networkPoliciesOf = nullptr);

 private:
  struct PeerCache;
  const Cluster& cluster_;
  std::vector<IpAddress> localNodeAddresses_;
  std::unique_ptr<PeerCache> cache_;
};

}  // namespace netpol
