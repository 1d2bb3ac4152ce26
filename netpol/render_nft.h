#pragma once
// A Ruleset as `nft -f` text: its nft::Table (netpol/nft_table.h) printed. The text replaces kguard's
// table atomically (`table inet kguard` / `delete table inet kguard` / `table inet kguard { ... }` in
// one file is one transaction) and leaves every other table alone.
#include <string>

#include "netpol/nft_table.h"
#include "netpol/ruleset.h"

namespace netpol {

std::string renderNft(const nft::Table& table);
std::string renderNft(const Ruleset& ruleset, const RenderOptions& options = {});

// How many rules the ruleset's chains hold (for the agent's metrics).
size_t ruleCount(const Ruleset& ruleset, const RenderOptions& options = {});

}  // namespace netpol
