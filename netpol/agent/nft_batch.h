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
// The batch that turns the `installed` table into `table` when they differ only in set elements: the
// elements that went are deleted and the new ones added, in one transaction (the chains, the other
// elements and the counters' values stay); none when the layouts differ or when so many elements must
// go that replacing the table is cheaper (deleting an element costs the kernel ~17 times what one
// element of a replace does, measured: nft_batch.cpp) or more than 32 must go.
std::optional<NftBatch> buildUpdateBatch(const nft::Table& installed, const nft::Table& table, uint32_t firstSeq);
// The element delta alone, however many elements go (none when the layouts differ): what
// buildUpdateBatch decides on, and what bench/netpol_agent/nft_update_cost.cpp measures against a replace.
std::optional<NftBatch> buildElementDelta(const nft::Table& installed, const nft::Table& table, uint32_t firstSeq,
                                          size_t* deletions = nullptr);
// Removes kguard's table (add + delete, so that a missing table is not an error).
NftBatch buildDeleteBatch(uint32_t firstSeq);

}  // namespace netpol::agent
