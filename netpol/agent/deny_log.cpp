#include "netpol/agent/deny_log.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "netpol/agent/netns.h"

namespace netpol::agent {
namespace {

constexpr uint16_t kPacketType = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
constexpr uint16_t kConfigType = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
// Enough of each packet for an IPv6 header, a few extension headers and the ports.
constexpr uint32_t kCopyRange = 128;

uint64_t bytesToInt(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

IpAddress ipv4At(const uint8_t* p) { return IpAddress{Family::V4, 0, bytesToInt(p, 4)}; }
IpAddress ipv6At(const uint8_t* p) { return IpAddress{Family::V6, bytesToInt(p, 8), bytesToInt(p + 8, 8)}; }

bool hasPorts(uint8_t protocol) { return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_SCTP; }

// The network header onward (NFULA_PAYLOAD). Returns false for anything but IPv4/IPv6.
bool decodeHeaders(const uint8_t* p, size_t n, LoggedPacket& out) {
  if (n < 1) return false;
  size_t transport = 0;
  bool firstFragment = true;
  if ((p[0] >> 4) == 4) {
    if (n < 20) return false;
    out.src = ipv4At(p + 12);
    out.dst = ipv4At(p + 16);
    out.protocol = p[9];
    transport = (p[0] & 0x0f) * 4u;
    firstFragment = (bytesToInt(p + 6, 2) & 0x1fff) == 0;
  } else if ((p[0] >> 4) == 6) {
    if (n < 40) return false;
    out.src = ipv6At(p + 8);
    out.dst = ipv6At(p + 24);
    uint8_t next = p[6];
    transport = 40;
    // Hop-by-hop, routing, destination options: (length + 1) * 8 bytes; fragment: 8 bytes.
    while ((next == 0 || next == 43 || next == 60 || next == 44) && transport + 8 <= n) {
      if (next == 44) firstFragment = (bytesToInt(p + transport + 2, 2) & 0xfff8) == 0;
      size_t length = next == 44 ? 8 : (p[transport + 1] + 1u) * 8u;
      next = p[transport];
      transport += length;
    }
    out.protocol = next;
  } else {
    return false;
  }
  if (hasPorts(out.protocol) && firstFragment && transport + 4 <= n)
    out.port = static_cast<uint16_t>(bytesToInt(p + transport + 2, 2));
  return true;
}

struct Attributes {
  const nlattr* table[NFULA_MAX + 1] = {};
};

int collectAttribute(const nlattr* attr, void* data) {
  auto* attrs = static_cast<Attributes*>(data);
  int type = mnl_attr_get_type(attr);
  if (type >= 0 && type <= NFULA_MAX) attrs->table[type] = attr;
  return MNL_CB_OK;
}

std::string utcTime(std::chrono::system_clock::time_point t) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(micros % 1000000));
  return buf;
}

// One netfilter netlink message: header, nfgenmsg (family, version, res_id = the group).
nlmsghdr* putHeader(char* buf, uint16_t type, uint16_t group) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_UNSPEC;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = htons(group);
  return nlh;
}

}  // namespace

std::string protocolText(uint8_t protocol) {
  switch (protocol) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_SCTP: return "sctp";
    case IPPROTO_ICMP: return "icmp";
    case IPPROTO_ICMPV6: return "icmpv6";
  }
  return std::to_string(protocol);
}

std::optional<LoggedPacket> decodeNflogPacket(const nlmsghdr* message) {
  if (message->nlmsg_type != kPacketType) return std::nullopt;
  Attributes attrs;
  if (mnl_attr_parse(message, sizeof(nfgenmsg), collectAttribute, &attrs) != MNL_CB_OK) return std::nullopt;
  const nlattr* payload = attrs.table[NFULA_PAYLOAD];
  if (!payload) return std::nullopt;
  LoggedPacket packet;
  if (!decodeHeaders(static_cast<const uint8_t*>(mnl_attr_get_payload(payload)), mnl_attr_get_payload_len(payload), packet))
    return std::nullopt;
  if (const nlattr* prefix = attrs.table[NFULA_PREFIX]) {
    const char* text = static_cast<const char*>(mnl_attr_get_payload(prefix));
    packet.prefix.assign(text, strnlen(text, mnl_attr_get_payload_len(prefix)));
  }
  // Only packets whose skb carries a timestamp have one (received ones, not locally sent).
  const nlattr* stamp = attrs.table[NFULA_TIMESTAMP];
  if (stamp && mnl_attr_get_payload_len(stamp) >= sizeof(nfulnl_msg_packet_timestamp)) {
    const auto* ts = static_cast<const uint8_t*>(mnl_attr_get_payload(stamp));
    packet.time = std::chrono::system_clock::time_point(std::chrono::seconds(bytesToInt(ts, 8)) +
                                                        std::chrono::microseconds(bytesToInt(ts + 8, 8)));
  } else {
    packet.time = std::chrono::system_clock::now();
  }
  return packet;
}

std::optional<DenyRule> resolveDenyPrefix(const DenyRuleIds& ids, const std::string& prefix) {
  const std::string tag = "kg:";
  if (prefix.compare(0, tag.size(), tag) != 0 || prefix.size() == tag.size() || prefix.size() > tag.size() + 9)
    return std::nullopt;
  uint32_t id = 0;
  for (size_t i = tag.size(); i < prefix.size(); ++i) {
    if (prefix[i] < '0' || prefix[i] > '9') return std::nullopt;
    id = id * 10 + static_cast<uint32_t>(prefix[i] - '0');
  }
  return ids.find(id);
}

std::string denyLogJson(const LoggedPacket& packet, const std::optional<DenyRule>& origin) {
  nlohmann::ordered_json line;
  line["time"] = utcTime(packet.time);
  line["src"] = packet.src.str();
  line["dst"] = packet.dst.str();
  line["proto"] = protocolText(packet.protocol);
  line["port"] = packet.port ? nlohmann::ordered_json(*packet.port) : nlohmann::ordered_json(nullptr);
  line["verdict"] = "drop";
  line["tier"] = origin ? origin->tier : "";
  line["policy"] = origin ? origin->policy : "";
  line["rule"] = origin ? origin->rule : "";
  if (!origin) line["prefix"] = packet.prefix;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

NflogSubscription::NflogSubscription(uint16_t group) { bind(group); }

NflogSubscription::NflogSubscription(const Netns& ns, uint16_t group) {
  inNetns(ns, [&] { bind(group); });  // the socket stays in `ns` after the thread leaves
}

NflogSubscription::~NflogSubscription() {
  if (nl_) mnl_socket_close(nl_);
}

int NflogSubscription::fd() const { return mnl_socket_get_fd(nl_); }

void NflogSubscription::bind(uint16_t group) {
  auto fail = [&](const std::string& what) {
    std::string error = "NFLOG group " + std::to_string(group) + ": " + what + ": " + std::strerror(errno);
    if (nl_) mnl_socket_close(nl_);
    nl_ = nullptr;
    throw std::runtime_error(error);
  };
  nl_ = mnl_socket_open(NETLINK_NETFILTER);
  if (!nl_ || mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) fail("netlink socket");
  // Bind the group, then ask for the packets' first kCopyRange bytes; each request is acknowledged.
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  auto request = [&](const char* what, auto addAttributes) {
    nlmsghdr* nlh = putHeader(buf.data(), kConfigType, group);
    addAttributes(nlh);
    if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) fail(what);
    int n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0 || mnl_cb_run(buf.data(), n, nlh->nlmsg_seq, mnl_socket_get_portid(nl_), nullptr, nullptr) < 0)
      fail(std::string(what) + (errno == EPERM || errno == EBUSY
                                    ? " (another socket already reads this group in this namespace, or no CAP_NET_ADMIN)"
                                    : ""));
  };
  request("bind", [](nlmsghdr* nlh) {
    nfulnl_msg_config_cmd cmd{NFULNL_CFG_CMD_BIND};
    mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof cmd, &cmd);
  });
  request("copy mode", [](nlmsghdr* nlh) {
    nfulnl_msg_config_mode mode{};
    mode.copy_range = htonl(kCopyRange);
    mode.copy_mode = NFULNL_COPY_PACKET;
    mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof mode, &mode);
  });
  // The kernel batches up to 100 packets or 1 s per instance by default: deliver each one at once.
  request("queue threshold", [](nlmsghdr* nlh) { mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1)); });
}

void NflogSubscription::drain(const std::function<void(const LoggedPacket&)>& onPacket) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  for (;;) {
    ssize_t n = recv(fd(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == ENOBUFS) {  // the receive buffer overflowed: some packets were not delivered
        ++lost_;
        continue;
      }
      throw std::runtime_error(std::string("NFLOG receive: ") + std::strerror(errno));
    }
    auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
    int left = static_cast<int>(n);
    for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
      if (auto packet = decodeNflogPacket(nlh)) onPacket(*packet);
  }
}

}  // namespace netpol::agent
