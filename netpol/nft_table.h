#pragma once
// The nftables table kguard installs in one pod's network namespace, as a plain value: named counters,
// sets with their elements, base chains with their rules (as knftables describes a ruleset). It is
// the one description of the layout: render_nft.cpp prints it as `nft -f` text, agent/nft_batch.cpp
// encodes it as a libnftnl batch, ruleCount() counts it and admits() evaluates it (what
// Ruleset::admitsIngress/admitsEgress answer). Equal tables install equal rulesets.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netpol/ruleset.h"

namespace netpol {

extern const char* const kTableName;  // "kguard", in family inet

struct RenderOptions {
  // NFLOG group for denied packets (`log group N`), or none to only count them.
  std::optional<int> nflogGroup;
  // With nflogGroup: the agent's id table behind the `kg:<n>` prefixes (README "Deny log prefixes");
  // null = numbered per table from 1 (offline `netpol compile`, whose text lists them).
  DenyRuleIds* denyRuleIds = nullptr;
};

// Logged drops are rate-limited per rule: `limit rate 10/second burst 20 packets`.
constexpr int kDenyLogPerSecond = 10;
constexpr int kDenyLogBurst = 20;

// nftables limits comments to 128 bytes and the log prefix to 127; both must stay printable and
// free of quotes whatever the object names contain.
std::string nftQuotable(const std::string& text, size_t maxBytes);

namespace nft {

// An interval set: `type ipv4_addr` (or ipv6), or with ports `ipv4_addr . inet_proto . inet_service`.
struct SetElement {
  AddressRange address;
  Protocol protocol = Protocol::TCP;  // withPorts only
  int32_t firstPort = 0, lastPort = 65535;
  std::string comment;  // the policy rules it came from; empty = none
  std::string gotoChain;  // verdict maps: empty = `accept`, else `goto` this deny chain (Table::denyChains)
  bool operator==(const SetElement& o) const;
};

struct Set {
  std::string name;
  int family = 0;          // 0 IPv4, 1 IPv6
  bool withPorts = false;  // address . protocol . port
  std::vector<SetElement> elements;  // disjoint and sorted
  // A verdict map (`map NAME { type KEY : verdict; ... }`): each element carries its verdict, so one
  // lookup decides a tier's Accept and Deny boxes alike (issue 17: each lookup costs every new connection).
  bool verdictMap = false;
  bool operator==(const Set& o) const;
};

enum class Hook { Input, Output };
// Map: the rule looks its key up in a verdict map (`vmap @set`); the element found decides, no element
// found goes on to the next rule. Jump: `jump CHAIN`, a verdict there decides, its end returns here (the
// exempt chains). Goto: `goto CHAIN`, the chain decides (a deny chain).
enum class Verdict { Accept, Drop, Map, Jump, Goto };

// One rule: a match, an optional named counter and NFLOG, and a verdict.
struct Rule {
  enum class Match {
    EstablishedOrRelated,  // ct state established,related
    PeerInSet,             // ip saddr @set / ip daddr . meta l4proto . th dport @set
    Loopback,              // iifname / oifname "lo"
    Icmpv6Types,           // meta nfproto ipv6 icmpv6 type first-last
    Any,
  };
  Match match = Match::Any;
  int family = 0;            // PeerInSet: 0 IPv4, 1 IPv6
  bool peerIsSource = true;  // PeerInSet: saddr (input) or daddr (output); Loopback: iifname or oifname
  std::string set;           // PeerInSet
  bool withPorts = false;    // PeerInSet: the set's key has protocol and port
  bool portlessProtocols = false;  // PeerInSet: only protocols other than TCP, UDP and SCTP (ICMP...)
  uint8_t icmpFirst = 0, icmpLast = 0;  // Icmpv6Types
  // Only a TCP segment conntrack picked up mid-stream (`ct state new tcp flags & (syn | ack) == ack`)
  // before the match: a connection opened before the table existed (see insertMidStreamRules).
  bool midStreamTcp = false;
  bool portIsSource = false;  // PeerInSet with ports: `th sport` instead of `th dport`
  std::string counter;       // named counter to count in; empty = none
  std::optional<std::string> logPrefix;
  int logGroup = 0;
  bool logRateLimited = false;  // `limit rate ...` before the log: over the rate the rule does not match
  Verdict verdict = Verdict::Accept;
  std::string chain;  // Jump / Goto: the regular chain
  bool operator==(const Rule& o) const;
};

struct Chain {
  std::string name;     // "input" / "output"; deny chains: "admin_ingress_deny"...
  Hook hook = Hook::Input;  // base chains only
  std::string comment;  // why it exists (text only)
  std::vector<Rule> rules;
  bool operator==(const Chain& o) const;
};

struct Table {
  std::string pod;                 // for the text's header and notes
  std::vector<IpAddress> podIps;
  std::vector<std::string> counters;
  std::vector<Set> sets;           // declared before the chains that look them up
  // Regular chains (no hook) the Deny elements of verdict maps (and the tiers' `other` drop sets) go to:
  // jump to the direction's exempt chain, then count, log (rate-limited, with the rule's prefix) and
  // drop. Only rules matching every packet (Match::Any): they decide without looking at it. Declared
  // before the sets whose elements go to them.
  std::vector<Chain> denyChains;
  // Regular chains (no hook) holding a tier chain's exempt rules ("ingress_exempt", "egress_exempt"):
  // loopback, IPv6 neighbour discovery and the mid-stream rules, which only accept. Every drop site of
  // a chain where ClusterNetworkPolicy tiers decide jumps here first (README "Compiling the tiers"); a
  // chain only NetworkPolicies decide holds the same rules inline, just before its drop.
  std::vector<Chain> exemptChains;
  std::vector<Chain> chains;       // base chains: input, then output; a hook no policy isolates gets none
  std::vector<std::pair<uint32_t, DenyRule>> denyLogIds;  // the prefixes the rules log, for the text
  bool operator==(const Table& o) const;
  bool operator!=(const Table& o) const { return !(*this == o); }
  const Set* findSet(const std::string& name) const;
  const Chain* findChain(Hook hook) const;
  const Chain* findDenyChain(const std::string& name) const;
  const Chain* findExemptChain(const std::string& name) const;
};

// The table for `ruleset`: ingress policy in an input chain, egress in an output chain.
Table buildTable(const Ruleset& ruleset, const RenderOptions& options = {});

size_t ruleCount(const Table& table);  // base, deny and exempt chains

// Whether a packet that reaches the element (of a verdict map) is accepted: `accept`, or the `goto`
// chain's verdict (its first rule's; none: the base chain's policy, accept).
bool elementAdmits(const Table& table, const SetElement& element);
// Whether `rule` can drop a packet: a drop, a goto to a deny chain, or a verdict map with an element
// going to a deny chain.
bool mayDrop(const Table& table, const Rule& rule);
// Whether the first packet of a new connection that `rule` matched (for a verdict map: at `element`) is
// accepted. Never asked of a jump: an exempt chain accepts no such packet, so it returns.
bool ruleAdmits(const Table& table, const Rule& rule, const SetElement* element);

// What the table does with the first packet of a new connection (not established, not on lo, for TCP a SYN):
// ingress (Hook::Input) from `peer` to our `port`, egress (Hook::Output) to `peer` on its `port`.
bool admits(const Table& table, Hook hook, const IpAddress& peer, Protocol protocol, int32_t port);

// The TCP connections `chain` admits as new, to or from (peer address, peer's or our port) boxes of
// `family` (0 IPv4, 1 IPv6), disjoint and sorted (nft_admitted.cpp).
std::vector<PortElement> admittedTcp(const Table& table, const Chain& chain, int family);

// The rule as `nft` prints it, e.g. `ip saddr @node_v4 accept`.
std::string ruleText(const Rule& rule);

}  // namespace nft
}  // namespace netpol
