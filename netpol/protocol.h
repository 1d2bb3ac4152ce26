#pragma once
// The transport protocols a policy port names (NetworkPolicy and ClusterNetworkPolicy alike).
#include <optional>
#include <string>

namespace netpol {

enum class Protocol { TCP, UDP, SCTP };
const char* protocolName(Protocol p);       // "TCP"
const char* nftProtocolName(Protocol p);    // "tcp"
std::optional<Protocol> parseProtocol(const std::string& text);  // case-insensitive

}  // namespace netpol
