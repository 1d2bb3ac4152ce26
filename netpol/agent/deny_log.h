#pragma once
// Deny logs that name the rule: the packets the rulesets' drop rules log to an NFLOG group
// (`log prefix "..." group N`), read over nfnetlink_log (libmnl) and printed as JSON lines
//   {"time":..,"src":..,"dst":..,"proto":..,"port":..,"verdict":..,"tier":..,"policy":..,"rule":..}
// The prefix says which rule dropped the packet; what it means is the agent's business (a
// PrefixResolver), so the reader knows nothing of the prefix format.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "netpol/deny_rule_ids.h"
#include "netpol/ip.h"

struct nlmsghdr;
struct mnl_socket;

namespace netpol::agent {

class Netns;

// One logged packet, decoded from its network header.
struct LoggedPacket {
  std::chrono::system_clock::time_point time;  // the kernel's timestamp, else when it was read
  std::string prefix;                          // the log rule's prefix, as written in the rule
  IpAddress src, dst;
  uint8_t protocol = 0;         // IP protocol number (IPv6: after extension headers)
  std::optional<uint16_t> port;  // destination port: TCP, UDP, SCTP (first fragment only)
};

// The rule a prefix names (every logging rule drops: the verdict printed is "drop").
using PrefixResolver = std::function<std::optional<DenyRule>(const std::string& prefix)>;

// The agent's resolver: "kg:<n>" (netpol/README.md, "Deny log prefixes") looked up in `ids`.
std::optional<DenyRule> resolveDenyPrefix(const DenyRuleIds& ids, const std::string& prefix);

// One NFULNL_MSG_PACKET message; nullopt for other messages or packets that are not IPv4/IPv6.
std::optional<LoggedPacket> decodeNflogPacket(const nlmsghdr* message);

// "tcp", "udp", "sctp", "icmp", "icmpv6", else the number.
std::string protocolText(uint8_t protocol);

// The JSON line (no newline). An unknown prefix keeps the packet: tier/policy/rule are "" and the
// raw prefix is added as "prefix", so nothing logged is lost.
std::string denyLogJson(const LoggedPacket& packet, const std::optional<DenyRule>& rule);

// A subscription to one NFLOG group in one network namespace (nfnetlink_log instances are per
// namespace: a pod's drop rules log into the pod's namespace). One socket per group and namespace;
// the kernel refuses a second subscriber of a group (EPERM), which the error explains.
class NflogSubscription {
 public:
  explicit NflogSubscription(uint16_t group);                  // in the caller's namespace
  NflogSubscription(const Netns& ns, uint16_t group);          // in `ns`
  ~NflogSubscription();
  NflogSubscription(const NflogSubscription&) = delete;
  NflogSubscription& operator=(const NflogSubscription&) = delete;

  int fd() const;  // poll it for POLLIN
  // Reads every message pending now (never blocks) and calls onPacket for each logged packet.
  // Throws std::runtime_error on a socket error other than a full receive buffer (ENOBUFS: packets
  // were lost; counted in lost()).
  void drain(const std::function<void(const LoggedPacket&)>& onPacket);
  uint64_t lost() const { return lost_; }

 private:
  void bind(uint16_t group);
  ::mnl_socket* nl_ = nullptr;
  uint64_t lost_ = 0;
};

}  // namespace netpol::agent
