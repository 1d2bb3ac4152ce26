#include "netpol/interval_sets.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace netpol {
namespace {

template <typename T>
void mergeOrigins(std::vector<T>& into, const std::vector<T>& from) {
  for (const auto& o : from)
    if (std::find(into.begin(), into.end(), o) == into.end()) into.push_back(o);
}

bool isMaxAddress(const IpAddress& a) { return a == wholeFamily(a.family).last; }

// `b` starts at or before the address right after `a` ends.
bool touches(const AddressRange& a, const AddressRange& b) {
  return isMaxAddress(a.last) || !(nextAddress(a.last) < b.first);
}

// Origins are interned as small ints while splitting: a piece is copied into every address segment
// it covers, and copying strings there dominated compile time.
struct PortPiece {
  Protocol protocol;
  int32_t first, last;
  std::vector<int> origins;
  bool sameBox(const PortPiece& o) const {
    return protocol == o.protocol && first == o.first && last == o.last && origins == o.origins;
  }
};

// Merges overlapping/adjacent port ranges per protocol.
std::vector<PortPiece> mergePorts(std::vector<PortPiece> pieces) {
  std::sort(pieces.begin(), pieces.end(), [](const PortPiece& a, const PortPiece& b) {
    return std::tie(a.protocol, a.first, a.last) < std::tie(b.protocol, b.first, b.last);
  });
  std::vector<PortPiece> out;
  for (auto& p : pieces) {
    if (!out.empty() && out.back().protocol == p.protocol && p.first <= out.back().last + 1) {
      out.back().last = std::max(out.back().last, p.last);
      mergeOrigins(out.back().origins, p.origins);
    } else {
      out.push_back(std::move(p));
    }
  }
  return out;
}

bool samePieces(const std::vector<PortPiece>& a, const std::vector<PortPiece>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!a[i].sameBox(b[i])) return false;
  return true;
}

}  // namespace

std::vector<AddressElement> normalizeAddressElements(std::vector<AddressElement> elements) {
  std::sort(elements.begin(), elements.end(),
            [](const AddressElement& a, const AddressElement& b) { return a.address < b.address; });
  std::vector<AddressElement> out;
  for (auto& e : elements) {
    if (!out.empty() && out.back().address.family() == e.address.family() && touches(out.back().address, e.address)) {
      if (out.back().address.last < e.address.last) out.back().address.last = e.address.last;
      mergeOrigins(out.back().origins, e.origins);
    } else {
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::vector<PortElement> normalizePortElements(const std::vector<PortElement>& elements) {
  if (elements.empty()) return {};
  // Boundaries: every start and every address just past an end (unless that end is the maximum).
  std::vector<IpAddress> starts;
  for (const auto& e : elements) {
    starts.push_back(e.address.first);
    if (!isMaxAddress(e.address.last)) starts.push_back(nextAddress(e.address.last));
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  const Family family = elements.front().address.family();
  std::unordered_map<std::string, int> originIds;
  std::vector<std::string> originNames;
  std::vector<std::vector<PortPiece>> pieces(starts.size());
  for (const auto& e : elements) {
    std::vector<int> ids;
    for (const auto& o : e.origins) {
      auto [it, added] = originIds.emplace(o, static_cast<int>(originNames.size()));
      if (added) originNames.push_back(o);
      if (std::find(ids.begin(), ids.end(), it->second) == ids.end()) ids.push_back(it->second);
    }
    auto it = std::lower_bound(starts.begin(), starts.end(), e.address.first);
    for (size_t k = static_cast<size_t>(it - starts.begin()); k < starts.size() && !(e.address.last < starts[k]); ++k)
      pieces[k].push_back({e.protocol, e.firstPort, e.lastPort, ids});
  }
  auto names = [&originNames](const std::vector<int>& ids) {
    std::vector<std::string> out;
    for (int id : ids) out.push_back(originNames[static_cast<size_t>(id)]);
    return out;
  };
  std::vector<PortElement> out;
  std::vector<PortPiece> runPieces;
  AddressRange run{};
  bool inRun = false;
  auto flush = [&]() {
    if (!inRun) return;
    for (const auto& p : runPieces) out.push_back({run, p.protocol, p.first, p.last, names(p.origins)});
    inRun = false;
  };
  for (size_t k = 0; k < starts.size(); ++k) {
    IpAddress last = k + 1 < starts.size() ? previousAddress(starts[k + 1]) : wholeFamily(family).last;
    auto merged = mergePorts(std::move(pieces[k]));
    if (merged.empty()) {
      flush();
      continue;
    }
    if (inRun && samePieces(runPieces, merged)) {
      run.last = last;
      continue;
    }
    flush();
    run = {starts[k], last};
    runPieces = std::move(merged);
    inRun = true;
  }
  flush();
  std::sort(out.begin(), out.end(), [](const PortElement& a, const PortElement& b) {
    return std::tie(a.address, a.protocol, a.firstPort) < std::tie(b.address, b.protocol, b.firstPort);
  });
  return out;
}

}  // namespace netpol
