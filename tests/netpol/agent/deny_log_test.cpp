// The deny-log reader (netpol/agent/deny_log.h). [kernel] cases run in a throwaway network namespace
// as root (netpol_agent_kernel): real nftables drop rules log to NFLOG, real packets are dropped.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "netpol/agent/deny_log.h"
#include "netpol/agent/netns.h"
#include "tests/netpol/agent/scratch_netns.h"

using namespace netpol;
using namespace netpol::agent;
using namespace netpol_test;

namespace {

// Sends one UDP datagram, or the first SYN of a TCP connection that is closed at once (a socket
// closed in SYN-SENT sends nothing more: exactly one packet either way).
void sendOnePacket(int family, int type, const char* address, uint16_t port) {
  int fd = socket(family, type | SOCK_NONBLOCK, 0);
  REQUIRE(fd >= 0);
  sockaddr_storage to{};
  socklen_t length;
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&to);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    inet_pton(AF_INET, address, &in->sin_addr);
    length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&to);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    inet_pton(AF_INET6, address, &in6->sin6_addr);
    length = sizeof(sockaddr_in6);
  }
  if (type == SOCK_DGRAM)
    (void)!sendto(fd, "probe", 5, 0, reinterpret_cast<sockaddr*>(&to), length);
  else
    (void)!connect(fd, reinterpret_cast<sockaddr*>(&to), length);
  close(fd);
}

// Reads lines until `want` arrived and then 300 ms more passed without any (so extra lines are seen).
std::vector<std::string> readLines(NflogSubscription& sub, size_t want, const PrefixResolver& resolve) {
  std::vector<std::string> lines;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);  // < the kernel's 1 s batching
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{sub.fd(), POLLIN, 0};
    int timeout = lines.size() >= want ? 300 : 100;
    if (poll(&p, 1, timeout) == 0 && lines.size() >= want) break;
    sub.drain([&](const LoggedPacket& packet) { lines.push_back(denyLogJson(packet, resolve(packet.prefix))); });
  }
  return lines;
}

}  // namespace

TEST_CASE("deny log: a packet whose prefix no rule claims keeps its prefix in the line") {
  LoggedPacket packet;
  packet.time = std::chrono::system_clock::time_point(std::chrono::microseconds(1764902096123456));
  packet.src = *parseIp("10.0.0.1");
  packet.dst = *parseIp("fd00::2");  // not a real packet: the fields are printed as given
  packet.protocol = 1;
  packet.prefix = "someone else's rule";
  CHECK(denyLogJson(packet, std::nullopt) ==
        R"({"time":"2025-12-05T02:34:56.123456Z","src":"10.0.0.1","dst":"fd00::2","proto":"icmp","port":null,)"
        R"("verdict":"drop","tier":"","policy":"","rule":"","prefix":"someone else's rule"})");
  CHECK(protocolText(132) == "sctp");
  DenyRuleIds ids;
  ids.idFor({"Admin", "a", "egress[0]"});
  CHECK(resolveDenyPrefix(ids, "kg:1") == DenyRule{"Admin", "a", "egress[0]"});
  for (const char* other : {"kg:2", "kg:", "kg:1 ", "kg:x", "xkg:1", "kg:99999999999"}) CHECK_FALSE(resolveDenyPrefix(ids, other));
  CHECK(protocolText(47) == "47");
}

TEST_CASE("kernel: each dropped probe becomes exactly one JSON line naming its tier, policy and rule", "[kernel]") {
  ScratchNetns scratch;
  run("ip -n " + scratch.name + " link set lo up");
  std::string out = run("echo 'table inet t { chain out { type filter hook output priority 0; "
                        "ip daddr 127.0.0.1 udp dport 9 log prefix \"kg:2\" group 7 drop; "
                        "ip6 daddr ::1 tcp dport 19 log prefix \"kg:3\" group 7 drop; "
                        "ip daddr 127.0.0.1 tcp dport 29 log prefix \"not ours \" group 8 drop; }; }' | ip netns exec " +
                        scratch.name + " nft -f - && echo loaded");
  INFO(out);
  REQUIRE(out.find("loaded") != std::string::npos);
  const Netns* ns = scratch.discover();
  REQUIRE(ns);
  NflogSubscription sub(*ns, 7);
  DenyRuleIds ids;
  ids.idFor({"NetworkPolicy", "x/only-80", "ingress"});
  REQUIRE(ids.idFor({"Admin", "no-metadata", "egress[0] (metadata)"}) == 2);
  REQUIRE(ids.idFor({"Baseline", "isolate", "ingress[2]"}) == 3);
  PrefixResolver resolve = [&ids](const std::string& prefix) { return resolveDenyPrefix(ids, prefix); };

  auto before = std::chrono::system_clock::now();
  inNetns(*ns, [] {
    sendOnePacket(AF_INET, SOCK_DGRAM, "127.0.0.1", 9);
    sendOnePacket(AF_INET6, SOCK_STREAM, "::1", 19);
    sendOnePacket(AF_INET, SOCK_STREAM, "127.0.0.1", 29);  // logged to group 8: not read here
  });
  auto lines = readLines(sub, 2, resolve);
  REQUIRE(lines.size() == 2);
  auto udp = nlohmann::json::parse(lines[0]), tcp = nlohmann::json::parse(lines[1]);
  CHECK(udp["src"] == "127.0.0.1");
  CHECK(udp["dst"] == "127.0.0.1");
  CHECK(udp["proto"] == "udp");
  CHECK(udp["port"] == 9);
  CHECK(udp["verdict"] == "drop");
  CHECK(udp["tier"] == "Admin");
  CHECK(udp["policy"] == "no-metadata");
  CHECK(udp["rule"] == "egress[0] (metadata)");
  CHECK_FALSE(udp.contains("prefix"));
  CHECK(tcp["src"] == "::1");
  CHECK(tcp["dst"] == "::1");
  CHECK(tcp["proto"] == "tcp");
  CHECK(tcp["port"] == 19);
  CHECK(tcp["tier"] == "Baseline");
  CHECK(tcp["policy"] == "isolate");
  CHECK(tcp["rule"] == "ingress[2]");
  // The time is the packet's (within the test's run), in RFC 3339 UTC with microseconds.
  std::string time = udp["time"];
  REQUIRE(time.size() == 27);
  CHECK(time.back() == 'Z');
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count();
  std::time_t t = seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char minute[20];
  std::strftime(minute, sizeof minute, "%Y-%m-%dT%H:%M", &tm);
  CHECK(time.substr(0, 13) == std::string(minute).substr(0, 13));  // same hour (a minute may tick over)
  CHECK(sub.lost() == 0);

  // A second subscriber of the same group in the same namespace is refused, and says why.
  CHECK_THROWS_WITH(NflogSubscription(*ns, 7), Catch::Contains("NFLOG group 7") && Catch::Contains("another socket already reads this group"));
}
