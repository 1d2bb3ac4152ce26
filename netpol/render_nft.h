#pragma once
// A Ruleset as `nft -f` text. The text replaces kguard's table atomically
// (`table inet kguard` / `delete table inet kguard` / `table inet kguard { ... }` in one file is one
// transaction) and leaves every other table alone.
#include <optional>
#include <string>

#include "netpol/ruleset.h"

namespace netpol {

extern const char* const kTableName;  // "kguard", in family inet

struct RenderOptions {
  // NFLOG group for denied packets (`log group N`), or none to only count them.
  std::optional<int> nflogGroup;
};

std::string renderNft(const Ruleset& ruleset, const RenderOptions& options = {});

// How many rules the ruleset's chains hold (for the agent's metrics), from the ruleset or from the
// text renderNft made of it (the agent has it already).
size_t ruleCount(const Ruleset& ruleset, const RenderOptions& options = {});
size_t ruleCountOfRendered(const std::string& renderedText);

// nftables limits comments to 128 bytes and the log prefix to 127; both must stay printable and
// free of quotes whatever the object names contain.
std::string nftQuotable(const std::string& text, size_t maxBytes);

}  // namespace netpol
