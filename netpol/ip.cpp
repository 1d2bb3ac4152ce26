#include "netpol/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace netpol {
namespace {

// Mask with the top `prefix` bits of a `bits`-wide address set, as (hi, lo).
void prefixMask(int bits, int prefix, uint64_t* hi, uint64_t* lo) {
  if (bits == 32) {
    *hi = 0;
    *lo = prefix == 0 ? 0 : (0xffffffffULL << (32 - prefix)) & 0xffffffffULL;
    return;
  }
  *hi = prefix == 0 ? 0 : prefix >= 64 ? ~0ULL : ~0ULL << (64 - prefix);
  *lo = prefix <= 64 ? 0 : prefix == 128 ? ~0ULL : ~0ULL << (128 - prefix);
}

IpAddress maxAddress(Family f) {
  IpAddress a;
  a.family = f;
  if (f == Family::V4) a.lo = 0xffffffffULL;
  else a.hi = a.lo = ~0ULL;
  return a;
}

// The prefix length when [first, last] is exactly one CIDR, else -1.
int exactPrefix(const AddressRange& r) {
  int bits = r.first.bits();
  for (int prefix = 0; prefix <= bits; ++prefix) {
    uint64_t mhi, mlo;
    prefixMask(bits, prefix, &mhi, &mlo);
    uint64_t hostHi = bits == 32 ? 0 : ~mhi, hostLo = bits == 32 ? (~mlo & 0xffffffffULL) : ~mlo;
    if ((r.first.hi & hostHi) == 0 && (r.first.lo & hostLo) == 0 && (r.first.hi | hostHi) == r.last.hi &&
        (r.first.lo | hostLo) == r.last.lo)
      return prefix;
  }
  return -1;
}

}  // namespace

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == Family::V4) {
    uint32_t v = htonl(static_cast<uint32_t>(lo));
    inet_ntop(AF_INET, &v, buf, sizeof buf);
  } else {
    unsigned char bytes[16];
    for (int i = 0; i < 8; ++i) {
      bytes[i] = static_cast<unsigned char>(hi >> (56 - 8 * i));
      bytes[8 + i] = static_cast<unsigned char>(lo >> (56 - 8 * i));
    }
    inet_ntop(AF_INET6, bytes, buf, sizeof buf);
  }
  return buf;
}

std::optional<IpAddress> parseIp(const std::string& text) {
  IpAddress a;
  if (text.find(':') == std::string::npos) {
    uint32_t v;
    if (inet_pton(AF_INET, text.c_str(), &v) != 1) return std::nullopt;
    a.family = Family::V4;
    a.lo = ntohl(v);
    return a;
  }
  unsigned char bytes[16];
  if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) return std::nullopt;
  a.family = Family::V6;
  for (int i = 0; i < 8; ++i) {
    a.hi = (a.hi << 8) | bytes[i];
    a.lo = (a.lo << 8) | bytes[8 + i];
  }
  return a;
}

std::string AddressRange::str() const {
  if (first == last) return first.str();
  int prefix = exactPrefix(*this);
  if (prefix >= 0) return first.str() + "/" + std::to_string(prefix);
  return first.str() + "-" + last.str();
}

AddressRange singleAddress(const IpAddress& a) { return {a, a}; }

AddressRange wholeFamily(Family f) {
  IpAddress zero;
  zero.family = f;
  return {zero, maxAddress(f)};
}

bool Cidr::strictlyInside(const Cidr& outer) const {
  return network.family == outer.network.family && outer.contains(network) && prefix > outer.prefix;
}

AddressRange Cidr::range() const {
  uint64_t mhi, mlo;
  prefixMask(network.bits(), prefix, &mhi, &mlo);
  IpAddress last = network;
  last.hi |= ~mhi;
  last.lo |= network.family == Family::V4 ? (~mlo & 0xffffffffULL) : ~mlo;
  if (network.family == Family::V4) last.hi = 0;
  return {network, last};
}

std::optional<Cidr> parseCidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos || slash + 1 >= text.size()) return std::nullopt;
  auto address = parseIp(text.substr(0, slash));
  if (!address) return std::nullopt;
  const std::string prefixText = text.substr(slash + 1);
  if (prefixText.size() > 3 || prefixText.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int prefix = std::stoi(prefixText);
  if (prefix > address->bits()) return std::nullopt;
  uint64_t mhi, mlo;
  prefixMask(address->bits(), prefix, &mhi, &mlo);
  Cidr c;
  c.prefix = prefix;
  c.network = *address;
  c.network.hi &= mhi;
  c.network.lo &= mlo;
  c.hadHostBits = c.network != *address;
  return c;
}

IpAddress nextAddress(const IpAddress& a) {
  IpAddress n = a;
  if (++n.lo == 0 && a.family == Family::V6) ++n.hi;
  return n;
}

IpAddress previousAddress(const IpAddress& a) {
  IpAddress p = a;
  if (p.lo-- == 0 && a.family == Family::V6) --p.hi;
  return p;
}

std::vector<AddressRange> subtractRanges(const AddressRange& from, const std::vector<AddressRange>& holes) {
  std::vector<AddressRange> sorted;
  for (const auto& h : holes)
    if (h.family() == from.family()) sorted.push_back(h);
  std::sort(sorted.begin(), sorted.end());
  std::vector<AddressRange> out;
  IpAddress cursor = from.first;  // first address not yet handed out or removed
  bool exhausted = false;
  for (const auto& h : sorted) {
    if (exhausted) break;
    if (h.last < cursor || from.last < h.first) continue;
    if (cursor < h.first) out.push_back({cursor, previousAddress(h.first)});
    if (!(h.last < from.last)) {
      exhausted = true;
    } else if (!(h.last < cursor)) {
      cursor = nextAddress(h.last);
    }
  }
  if (!exhausted) out.push_back({cursor, from.last});
  return out;
}

}  // namespace netpol
