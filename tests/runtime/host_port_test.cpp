// runtime::parseHostPort: Go's net.SplitHostPort forms, and a message naming the problem otherwise.
#include <catch2/catch.hpp>

#include "runtime/host_port.h"

using runtime::parseHostPort;

namespace {

std::string errorOf(const std::string& text) {
  try {
    parseHostPort(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("HOST:PORT: IPv4, names, bracketed IPv6 and an empty host") {
  auto v4 = parseHostPort("127.0.0.1:8443");
  CHECK(v4.host == "127.0.0.1");
  CHECK(v4.port == 8443);
  auto name = parseHostPort("localhost:0");
  CHECK(name.host == "localhost");
  CHECK(name.port == 0);
  auto v6 = parseHostPort("[::1]:8443");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 8443);
  auto scoped = parseHostPort("[fe80::1%eth0]:9090");
  CHECK(scoped.host == "fe80::1%eth0");
  auto any = parseHostPort(":65535");
  CHECK(any.host.empty());
  CHECK(any.port == 65535);
  CHECK(any.bindHost() == "0.0.0.0");
  CHECK(v6.bindHost() == "::1");
}

TEST_CASE("HOST:PORT: errors quote the input and say what is wrong") {
  CHECK(errorOf("localhost") == "\"localhost\": expected HOST:PORT ([ADDRESS]:PORT for IPv6): missing :PORT");
  CHECK_THAT(errorOf("::1:8443"), Catch::EndsWith("an IPv6 address needs brackets, e.g. [::1]:8443"));
  CHECK_THAT(errorOf("[::1]8443"), Catch::EndsWith("missing :PORT after ']'"));
  CHECK_THAT(errorOf("[::1"), Catch::EndsWith("missing ']' after the IPv6 address"));
  CHECK_THAT(errorOf("[]:80"), Catch::EndsWith("empty address in brackets"));
  CHECK_THAT(errorOf("a]:80"), Catch::EndsWith("unbalanced brackets"));
  CHECK_THAT(errorOf("host:"), Catch::EndsWith("missing port"));
  CHECK_THAT(errorOf("host:http"), Catch::EndsWith("port \"http\" is not a number from 0 to 65535"));
  CHECK_THAT(errorOf("host:-1"), Catch::EndsWith("port \"-1\" is not a number from 0 to 65535"));
  CHECK_THAT(errorOf("host:+80"), Catch::EndsWith("port \"+80\" is not a number from 0 to 65535"));
  CHECK_THAT(errorOf("host:65536"), Catch::EndsWith("port 65536 is above 65535"));
  CHECK_THAT(errorOf("host:123456"), Catch::EndsWith("port \"123456\" is not a number from 0 to 65535"));
}
