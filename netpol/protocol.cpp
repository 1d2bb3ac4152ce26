#include "netpol/protocol.h"

#include <algorithm>
#include <cctype>

namespace netpol {

const char* protocolName(Protocol p) {
  switch (p) {
    case Protocol::TCP: return "TCP";
    case Protocol::UDP: return "UDP";
    case Protocol::SCTP: return "SCTP";
  }
  return "TCP";
}

const char* nftProtocolName(Protocol p) {
  switch (p) {
    case Protocol::TCP: return "tcp";
    case Protocol::UDP: return "udp";
    case Protocol::SCTP: return "sctp";
  }
  return "tcp";
}

std::optional<Protocol> parseProtocol(const std::string& text) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  if (upper == "TCP") return Protocol::TCP;
  if (upper == "UDP") return Protocol::UDP;
  if (upper == "SCTP") return Protocol::SCTP;
  return std::nullopt;
}

}  // namespace netpol
