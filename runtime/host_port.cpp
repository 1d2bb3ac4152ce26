#include "runtime/host_port.h"

#include <cctype>

namespace runtime {

HostPort parseHostPort(const std::string& text) {
  auto fail = [&](const std::string& problem) {
    return std::invalid_argument("\"" + text + "\": expected HOST:PORT ([ADDRESS]:PORT for IPv6): " + problem);
  };
  HostPort out;
  std::string portText;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) throw fail("missing ']' after the IPv6 address");
    if (close + 1 >= text.size() || text[close + 1] != ':') throw fail("missing :PORT after ']'");
    out.host = text.substr(1, close - 1);
    if (out.host.empty()) throw fail("empty address in brackets");
    portText = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) throw fail("missing :PORT");
    out.host = text.substr(0, colon);
    if (out.host.find(':') != std::string::npos) throw fail("an IPv6 address needs brackets, e.g. [::1]:8443");
    if (out.host.find_first_of("[]") != std::string::npos) throw fail("unbalanced brackets");
    portText = text.substr(colon + 1);
  }
  if (portText.empty()) throw fail("missing port");
  if (portText.size() > 5) throw fail("port \"" + portText + "\" is not a number from 0 to 65535");
  for (char c : portText)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw fail("port \"" + portText + "\" is not a number from 0 to 65535");
  out.port = std::stoi(portText);
  if (out.port > 65535) throw fail("port " + portText + " is above 65535");
  return out;
}

}  // namespace runtime
