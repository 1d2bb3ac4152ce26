// admittedTcp: the TCP connections one chain of a table admits, as boxes (address range x port range),
// computed from the chain's own rules and sets. The mid-stream rules of the other chain look a
// segment's peer and source port up in them (nft_table.cpp, insertMidStreamRules): a connection the pod
// opened before its table existed passes exactly when this chain would admit it as new.
#include <algorithm>

#include "netpol/interval_sets.h"
#include "netpol/nft_table.h"

namespace netpol::nft {
namespace {

// What one rule of the chain matches for TCP: an address range on a port range.
struct Box {
  AddressRange address;
  int32_t firstPort = 0, lastPort = 65535;
  size_t rule = 0;  // index in the chain: lower wins
  bool accept = true;  // what the rule does with a connection in the box
};

// The boxes of the chain's set lookups that can match a new TCP connection of `family`, as
// matchesNewConnection sees them (no mid-stream rules, no lookups for protocols without ports).
std::vector<Box> lookupBoxes(const Table& t, const Chain& chain, int family) {
  std::vector<Box> out;
  for (size_t i = 0; i < chain.rules.size(); ++i) {
    const Rule& r = chain.rules[i];
    if (r.match != Rule::Match::PeerInSet || r.family != family || r.portlessProtocols || r.midStreamTcp) continue;
    const Set* set = t.findSet(r.set);
    if (!set) continue;
    for (const auto& e : set->elements) {
      const bool accept = ruleAdmits(t, r, &e);
      if (!set->withPorts) out.push_back({e.address, 0, 65535, i, accept});
      else if (e.protocol == Protocol::TCP) out.push_back({e.address, e.firstPort, e.lastPort, i, accept});
    }
  }
  return out;
}

}  // namespace

std::vector<PortElement> admittedTcp(const Table& t, const Chain& chain, int family) {
  // The first rule deciding every new connection (the isolated chain's final drop), if any; the jump to
  // the exempt chain before it returns for a new connection.
  size_t catchAll = chain.rules.size();
  for (size_t i = 0; i < chain.rules.size() && catchAll == chain.rules.size(); ++i) {
    const Rule& r = chain.rules[i];
    if (r.match == Rule::Match::Any && !r.midStreamTcp && r.verdict != Verdict::Jump) catchAll = i;
  }
  auto admitted = [&](const Box* winner) {
    if (winner && winner->rule < catchAll) return winner->accept;
    return catchAll == chain.rules.size() || chain.rules[catchAll].verdict == Verdict::Accept;  // else: policy accept
  };

  // Sweep the address axis cut at every box boundary; inside each piece, the port axis likewise.
  std::vector<Box> boxes = lookupBoxes(t, chain, family);
  const AddressRange whole = wholeFamily(family == 0 ? Family::V4 : Family::V6);
  std::vector<IpAddress> cuts{whole.first};
  for (const auto& b : boxes) {
    cuts.push_back(b.address.first);
    if (!(b.address.last == whole.last)) cuts.push_back(nextAddress(b.address.last));
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::sort(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) { return a.address.first < b.address.first; });

  std::vector<PortElement> out;
  std::vector<const Box*> active;
  size_t next = 0;
  for (size_t k = 0; k < cuts.size(); ++k) {
    const IpAddress& start = cuts[k];
    while (next < boxes.size() && !(start < boxes[next].address.first)) active.push_back(&boxes[next++]);
    active.erase(std::remove_if(active.begin(), active.end(), [&](const Box* b) { return b->address.last < start; }),
                 active.end());
    AddressRange piece{start, k + 1 < cuts.size() ? previousAddress(cuts[k + 1]) : whole.last};
    std::vector<int32_t> portCuts{0};
    for (const Box* b : active) {
      portCuts.push_back(b->firstPort);
      if (b->lastPort < 65535) portCuts.push_back(b->lastPort + 1);
    }
    std::sort(portCuts.begin(), portCuts.end());
    portCuts.erase(std::unique(portCuts.begin(), portCuts.end()), portCuts.end());
    for (size_t p = 0; p < portCuts.size(); ++p) {
      int32_t first = portCuts[p], last = p + 1 < portCuts.size() ? portCuts[p + 1] - 1 : 65535;
      const Box* winner = nullptr;  // a rule's boxes are disjoint: one per rule at most
      for (const Box* b : active)
        if (b->firstPort <= first && last <= b->lastPort && (!winner || b->rule < winner->rule)) winner = b;
      if (!admitted(winner)) continue;
      if (!out.empty() && out.back().address == piece && out.back().lastPort + 1 == first)
        out.back().lastPort = last;
      else
        out.push_back({piece, Protocol::TCP, first, last, {}});
    }
  }
  return normalizePortElements(out);
}

}  // namespace netpol::nft
