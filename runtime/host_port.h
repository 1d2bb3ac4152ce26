#pragma once
// HOST:PORT as the daemons' listen flags take it (--listen, --metrics-bind-address), read the way Go's
// net.SplitHostPort reads it: an IPv6 address goes in brackets ("[::1]:8443"), an empty host means every
// IPv4 address (":8443", as "0.0.0.0:8443").
#include <stdexcept>
#include <string>

namespace runtime {

struct HostPort {
  std::string host;  // without brackets; "" = every address
  int port = 0;      // 0..65535; 0 = any free port

  // What to bind: the host, or 0.0.0.0 for an empty one (the daemons' defaults are 0.0.0.0 too).
  std::string bindHost() const { return host.empty() ? "0.0.0.0" : host; }
};

// Throws std::invalid_argument with a message saying what is wrong with `text` (quoted in it).
HostPort parseHostPort(const std::string& text);

}  // namespace runtime
