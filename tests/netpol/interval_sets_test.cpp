#include <catch2/catch.hpp>

#include <algorithm>

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

TEST_CASE("subtracting boxes: what a hole covers goes, the rest keeps its origins") {
  std::vector<PortElement> from = {
      {r("10.0.0.0/24"), Protocol::TCP, 1, 65535, {"allow-all-tcp"}},
      {r("10.0.0.0/24"), Protocol::UDP, 53, 53, {"dns"}},
      {r("10.9.0.0/16"), Protocol::TCP, 443, 443, {"untouched"}},
  };
  // 10.0.0.0/25 loses TCP 80-89; UDP and the other network are not in any hole.
  std::vector<PortElement> holes = {{r("10.0.0.0/25"), Protocol::TCP, 80, 89, {"Admin deny"}},
                                    {r("10.0.0.0/24"), Protocol::SCTP, 1, 65535, {"Admin deny sctp"}}};
  auto out = subtractPortElements(from, holes);
  CHECK(disjoint(out));
  REQUIRE(out.size() == 5);
  CHECK(out[0].address.str() == "10.0.0.0/25");
  CHECK(out[0].protocol == Protocol::TCP);
  CHECK((out[0].firstPort == 1 && out[0].lastPort == 79));
  CHECK((out[1].firstPort == 90 && out[1].lastPort == 65535));
  CHECK(out[1].origins == std::vector<std::string>{"allow-all-tcp"});
  CHECK(out[2].protocol == Protocol::UDP);
  CHECK(out[2].address.str() == "10.0.0.0/24");
  CHECK(out[3].address.str() == "10.0.0.128/25");
  CHECK((out[3].firstPort == 1 && out[3].lastPort == 65535));
  CHECK(out[4].origins == std::vector<std::string>{"untouched"});
  // Every probe: in the result exactly when in `from` and in no hole.
  for (const char* ip : {"10.0.0.5", "10.0.0.200", "10.9.1.1", "10.1.0.1"})
    for (Protocol p : {Protocol::TCP, Protocol::UDP, Protocol::SCTP})
      for (int32_t port : {1, 53, 79, 80, 89, 90, 443, 65535}) {
        auto in = [&](const std::vector<PortElement>& es) {
          return std::any_of(es.begin(), es.end(), [&](const PortElement& e) {
            return e.address.contains(*parseIp(ip)) && e.protocol == p && e.firstPort <= port && port <= e.lastPort;
          });
        };
        CHECK(in(out) == (in(from) && !in(holes)));
      }
}

TEST_CASE("subtracting boxes that overlap nothing leaves the elements as they are") {
  std::vector<PortElement> from = {{r("10.0.0.1/32"), Protocol::TCP, 8080, 8080, {"a"}}};
  CHECK(subtractPortElements(from, {{r("10.0.0.2/32"), Protocol::TCP, 8080, 8080, {"x"}}}) == from);
  CHECK(subtractPortElements(from, {{r("10.0.0.1/32"), Protocol::UDP, 8080, 8080, {"x"}}}) == from);
  CHECK(subtractPortElements(from, {{r("10.0.0.1/32"), Protocol::TCP, 8080, 8080, {"x"}}}).empty());
}
