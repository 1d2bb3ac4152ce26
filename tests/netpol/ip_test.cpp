#include <catch2/catch.hpp>

#include "netpol/ip.h"

using namespace netpol;

namespace {
IpAddress ip(const char* s) { return *parseIp(s); }
Cidr cidr(const char* s) { return *parseCidr(s); }
}  // namespace

TEST_CASE("addresses parse and print in both families") {
  CHECK(ip("10.244.1.10").str() == "10.244.1.10");
  CHECK(ip("fd00:10:244:1::10").str() == "fd00:10:244:1::10");
  CHECK(ip("fd00:10:244:1::10").family == Family::V6);
  CHECK_FALSE(parseIp("10.244.1").has_value());
  CHECK_FALSE(parseIp("10.244.1.256").has_value());
  CHECK_FALSE(parseIp("fd00:::1").has_value());
  CHECK(ip("10.0.0.1") < ip("10.0.0.2"));
  CHECK(ip("::1:0:0:0:1") < ip("::2:0:0:0:0"));
}

TEST_CASE("CIDRs with host bits are masked as the API server parses them") {
  // 10.244.1.10/4 is 0.0.0.0/4, not the single address 10.244.1.10.
  auto c = cidr("10.244.1.10/4");
  CHECK(c.hadHostBits);
  CHECK(c.str() == "0.0.0.0/4");
  CHECK(c.contains(ip("10.244.1.10")));
  CHECK(c.contains(ip("11.1.2.3")));
  CHECK(c.contains(ip("0.0.0.1")));
  CHECK_FALSE(c.contains(ip("16.0.0.0")));
  auto v6 = cidr("fd00:10:244:1::10/64");
  CHECK(v6.hadHostBits);
  CHECK(v6.str() == "fd00:10:244:1::/64");
  CHECK(v6.contains(ip("fd00:10:244:1::ffff")));
  CHECK_FALSE(v6.contains(ip("fd00:10:244:2::1")));
  CHECK_FALSE(cidr("10.0.0.0/8").hadHostBits);
  CHECK(cidr("10.244.2.11/32").range() == singleAddress(ip("10.244.2.11")));
  CHECK(cidr("::/0").contains(ip("ffff::1")));
  CHECK_FALSE(cidr("::/0").contains(ip("1.2.3.4")));
}

TEST_CASE("malformed CIDRs are rejected") {
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "x/8", "::/129", "10.0.0.0/8/8"}) {
    INFO(bad);
    CHECK_FALSE(parseCidr(bad).has_value());
  }
}

TEST_CASE("ranges print as prefixes where they are one") {
  CHECK(cidr("10.0.0.0/8").range().str() == "10.0.0.0/8");
  CHECK(cidr("0.0.0.0/0").range().str() == "0.0.0.0/0");
  CHECK(cidr("::/0").range().str() == "::/0");
  CHECK(cidr("fd00::/127").range().str() == "fd00::/127");
  CHECK((AddressRange{ip("10.0.0.1"), ip("10.0.0.6")}).str() == "10.0.0.1-10.0.0.6");
}

TEST_CASE("subtracting excepts leaves disjoint ranges; holes outside remove nothing") {
  auto parts = subtractRanges(cidr("10.0.0.0/24").range(), {cidr("10.0.0.128/25").range(), cidr("10.0.0.0/30").range()});
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].str() == "10.0.0.4-10.0.0.127");

  auto middle = subtractRanges(cidr("10.0.0.0/24").range(), {cidr("10.0.0.16/28").range()});
  REQUIRE(middle.size() == 2);
  CHECK(middle[0].str() == "10.0.0.0/28");
  CHECK(middle[1].str() == "10.0.0.32-10.0.0.255");

  auto outside = subtractRanges(cidr("10.0.0.0/24").range(), {cidr("192.168.0.0/16").range(), cidr("fd00::/8").range()});
  REQUIRE(outside.size() == 1);
  CHECK(outside[0].str() == "10.0.0.0/24");

  CHECK(subtractRanges(cidr("10.0.0.0/24").range(), {cidr("10.0.0.0/8").range()}).empty());
  auto top = subtractRanges(wholeFamily(Family::V6), {cidr("8000::/1").range()});
  REQUIRE(top.size() == 1);
  CHECK(top[0].str() == "::/1");
}
