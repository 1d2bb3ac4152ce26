#pragma once
// The nftables ruleset kguard owns in one pod's network namespace, as a plain value: static chains
// plus the data that changes (allowed peers) in per-family interval sets. It knows nothing of netlink;
// nft_table.h lays it out as the nftables table (counters, sets, chains), which render_nft.h prints as
// `nft -f` text and the agent programs as a netlink batch.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netpol/ip.h"
#include "netpol/model.h"

namespace netpol {

// Traffic from/to these addresses on every protocol and port.
struct AddressElement {
  AddressRange address;
  std::vector<std::string> origins;  // "x/allow-web ingress[0]": the policy rules it came from
};

// Traffic from/to `address` on protocol ports first..last (address . protocol . port).
struct PortElement {
  AddressRange address;
  Protocol protocol = Protocol::TCP;
  int32_t firstPort = 0;
  int32_t lastPort = 65535;
  std::vector<std::string> origins;
};

// One direction of one pod. Elements are disjoint (nftables rejects overlapping intervals) and sorted.
struct DirectionRules {
  std::vector<std::string> isolatingPolicies;  // empty = not isolated: everything is accepted
  std::vector<AddressElement> anyPort[2];      // [0] IPv4, [1] IPv6
  std::vector<PortElement> ports[2];

  bool isolated() const { return !isolatingPolicies.empty(); }
  size_t elementCount() const;
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
};

int familyIndex(Family f);

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
  Ruleset compile(const Pod& pod);

 private:
  struct PeerCache;
  const Cluster& cluster_;
  std::vector<IpAddress> localNodeAddresses_;
  std::unique_ptr<PeerCache> cache_;
};

}  // namespace netpol
