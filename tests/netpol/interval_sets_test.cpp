#include <catch2/catch.hpp>

#include "netpol/interval_sets.h"

using namespace netpol;

namespace {
AddressRange r(const char* cidr) { return parseCidr(cidr)->range(); }
AddressRange r(const char* a, const char* b) { return {*parseIp(a), *parseIp(b)}; }

bool disjoint(const std::vector<PortElement>& es) {
  for (size_t i = 0; i < es.size(); ++i)
    for (size_t j = i + 1; j < es.size(); ++j) {
      const auto &a = es[i], &b = es[j];
      bool addr = !(a.address.last < b.address.first) && !(b.address.last < a.address.first);
      bool port = a.protocol == b.protocol && a.firstPort <= b.lastPort && b.firstPort <= a.lastPort;
      if (addr && port) return false;
    }
  return true;
}
}  // namespace

TEST_CASE("address elements: overlapping and adjacent ranges merge, origins united") {
  auto out = normalizeAddressElements({{r("10.0.0.0/8"), {"p1"}}, {r("10.1.0.0/16"), {"p2"}},
                                       {r("11.0.0.0/8"), {"p3"}}, {r("192.168.0.0/16"), {"p1"}}});
  REQUIRE(out.size() == 2);
  CHECK(out[0].address.str() == "10.0.0.0/7");
  CHECK(out[0].origins == std::vector<std::string>{"p1", "p2", "p3"});
  CHECK(out[1].address.str() == "192.168.0.0/16");
}

TEST_CASE("port elements become disjoint boxes") {
  std::vector<PortElement> in = {
      {r("10.0.0.0/8"), Protocol::TCP, 80, 80, {"a"}},
      {r("10.1.0.0/16"), Protocol::TCP, 80, 90, {"b"}},
      {r("10.1.0.0/16"), Protocol::UDP, 53, 53, {"c"}},
      {r("10.0.0.0/8"), Protocol::TCP, 80, 80, {"d"}},  // duplicate from another rule
  };
  auto out = normalizePortElements(in);
  CHECK(disjoint(out));
  // 10.0.0.0-10.0.255.255 tcp 80 | 10.1/16 tcp 80-90 + udp 53 | 10.2.0.0-10.255.255.255 tcp 80
  REQUIRE(out.size() == 4);
  CHECK(out[0].address.str() == "10.0.0.0/16");
  CHECK(out[0].origins == std::vector<std::string>{"a", "d"});
  CHECK(out[1].address.str() == "10.1.0.0/16");
  CHECK(out[1].firstPort == 80);
  CHECK(out[1].lastPort == 90);
  CHECK(out[2].protocol == Protocol::UDP);
  CHECK(out[3].address.str() == "10.2.0.0-10.255.255.255");
}

TEST_CASE("identical port sets on neighbouring addresses join; whole family stays one element") {
  std::vector<PortElement> in;
  for (int i = 1; i <= 50; ++i) {
    auto ip = *parseIp("10.0.0." + std::to_string(i));
    in.push_back({singleAddress(ip), Protocol::TCP, 443, 443, {"p"}});
  }
  auto out = normalizePortElements(in);
  REQUIRE(out.size() == 1);
  CHECK(out[0].address.str() == "10.0.0.1-10.0.0.50");
  auto all = normalizePortElements({{wholeFamily(Family::V6), Protocol::TCP, 0, 65535, {"p"}}});
  REQUIRE(all.size() == 1);
  CHECK(all[0].address.str() == "::/0");
}

TEST_CASE("ports merge when adjacent, not across protocols") {
  auto out = normalizePortElements({{r("10.0.0.1", "10.0.0.1"), Protocol::TCP, 80, 81, {"a"}},
                                    {r("10.0.0.1", "10.0.0.1"), Protocol::TCP, 82, 85, {"b"}},
                                    {r("10.0.0.1", "10.0.0.1"), Protocol::SCTP, 82, 85, {"b"}}});
  REQUIRE(out.size() == 2);
  CHECK(out[0].firstPort == 80);
  CHECK(out[0].lastPort == 85);
  CHECK(out[1].protocol == Protocol::SCTP);
}
