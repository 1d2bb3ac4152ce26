#pragma once
// IPv4/IPv6 addresses, CIDRs and inclusive address ranges: what ipBlock peers and pod IPs become before
// they are put into nftables interval sets.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netpol {

enum class Family { V4, V6 };

// One address. IPv4 lives in the low 32 bits of `lo`; ordering is only meaningful within a family.
struct IpAddress {
  Family family = Family::V4;
  uint64_t hi = 0;
  uint64_t lo = 0;

  int bits() const { return family == Family::V4 ? 32 : 128; }
  std::string str() const;
  bool operator==(const IpAddress& o) const { return family == o.family && hi == o.hi && lo == o.lo; }
  bool operator!=(const IpAddress& o) const { return !(*this == o); }
  bool operator<(const IpAddress& o) const {
    if (family != o.family) return family < o.family;
    return hi != o.hi ? hi < o.hi : lo < o.lo;
  }
};

std::optional<IpAddress> parseIp(const std::string& text);

// Inclusive range [first, last] of one family.
struct AddressRange {
  IpAddress first;
  IpAddress last;
  Family family() const { return first.family; }
  bool contains(const IpAddress& a) const { return a.family == first.family && !(a < first) && !(last < a); }
  bool operator==(const AddressRange& o) const { return first == o.first && last == o.last; }
  bool operator<(const AddressRange& o) const { return first != o.first ? first < o.first : last < o.last; }
  // "10.0.0.0/8" when the range is exactly one prefix, "10.0.0.1" for one address, else "a-b".
  std::string str() const;
};

AddressRange singleAddress(const IpAddress& a);
AddressRange wholeFamily(Family f);

struct Cidr {
  IpAddress network;  // host bits cleared
  int prefix = 0;
  bool hadHostBits = false;  // written as e.g. 10.244.1.10/4
  AddressRange range() const;
  bool contains(const IpAddress& a) const { return range().contains(a); }
  // A strict subset of `outer`: the same family, inside it, with a longer prefix (what the API server
  // requires of an ipBlock's except, ValidateIPBlock).
  bool strictlyInside(const Cidr& outer) const;
  std::string str() const { return network.str() + "/" + std::to_string(prefix); }
};

// Parses "10.0.0.0/8" or "fd00::/64". Host bits are cleared, as the API server's CIDR parsing
// (net.ParseCIDR, which returns the masked network) does: "10.244.1.10/4" is 0.0.0.0/4.
std::optional<Cidr> parseCidr(const std::string& text);

// `from` minus every range in `holes` (any family; other families are ignored), as sorted disjoint
// ranges. Holes outside `from` change nothing.
std::vector<AddressRange> subtractRanges(const AddressRange& from, const std::vector<AddressRange>& holes);

// The next/previous address within the family; callers check the bounds first.
IpAddress nextAddress(const IpAddress& a);
IpAddress previousAddress(const IpAddress& a);

}  // namespace netpol
