#pragma once
// kguard's nft::Table (netpol/nft_table.h) as one nf_tables netlink batch (libnftnl), built without
// touching any socket. The batch replaces kguard's table atomically: add table; delete table; add
// table; then the table's counters, sets with their elements, chains with their rules, in its order. Every message carries its own sequence number and asks for an ack, and `objects`
// names the object behind each sequence number, so a kernel error can say which object failed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netpol/nft_table.h"
#include "netpol/ruleset.h"

namespace netpol::agent {

struct NftBatch {
  std::vector<char> bytes;           // batch begin, messages, batch end
  uint32_t firstSeq = 0;             // sequence number of the first message after batch begin
  std::vector<std::string> objects;  // objects[seq - firstSeq]: "set ingress_v4_ports", ...

  size_t messageCount() const { return objects.size(); }
  // The object of a message, or "message #N" for sequence numbers outside the batch.
  std::string objectOf(uint32_t seq) const;
};

NftBatch buildReplaceBatch(const nft::Table& table, uint32_t firstSeq);
NftBatch buildReplaceBatch(const Ruleset& ruleset, const RenderOptions& options, uint32_t firstSeq);
// What an update batch does (the agent logs it with each install).
struct UpdateCounts {
  size_t deleted = 0, added = 0;  // elements (added includes those of recreated and new sets)
  size_t recreatedSets = 0;       // sets deleted and made again whole
  size_t addedSets = 0, removedSets = 0;  // sets declared anew / no longer (a key type change is both)
};

// The batch that turns the `installed` table into `table` when they have the same chains (names and
// hooks), in one transaction; none when the chains differ (then only a whole-table replace will do).
// Each kept set that changed either gets its differing elements deleted and added, or, when it loses so
// many that deleting them costs more than making it again (deleting an element from a concatenated set
// costs the kernel ~17 times what adding one does, and far more in large sets of ranges: nft_batch.cpp),
// is deleted and made again whole. Sets and counters the new table declares anew are added, those it
// no longer declares deleted. When rules change, or a set or counter goes, the chains' rules are
// flushed first and added back last (the chains and their hooks stay). No element-by-element work for
// the sets that did not change.
std::optional<NftBatch> buildUpdateBatch(const nft::Table& installed, const nft::Table& table, uint32_t firstSeq,
                                         UpdateCounts* counts = nullptr);
// The element delta alone, however many elements go (none when the layouts differ: counters, chains,
// set declarations): what bench/netpol_agent/nft_update_cost.cpp measures against a replace.
std::optional<NftBatch> buildElementDelta(const nft::Table& installed, const nft::Table& table, uint32_t firstSeq,
                                          size_t* deletions = nullptr);
// Removes kguard's table (add + delete, so that a missing table is not an error).
NftBatch buildDeleteBatch(uint32_t firstSeq);

}  // namespace netpol::agent
