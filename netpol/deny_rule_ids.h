#pragma once
// The ids in deny log prefixes (`kg:<n>`, netpol/README.md "Deny log prefixes"): nftables caps a log
// prefix at 127 bytes and policy names can be 253, so a drop rule logs a number and the agent, which
// also runs the NFLOG reader, maps it back to the rule here. Ids are handed out in first-use order and
// never renumbered while the process lives, so an unchanged pod keeps an equal table.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace netpol {

struct DenyRule {
  std::string tier;    // "Admin" | "Baseline" | "NetworkPolicy"
  std::string policy;  // CNP metadata.name; NetworkPolicy: the isolating NAMESPACE/NAMEs joined with ","
  std::string rule;    // "ingress[0]", "egress[1] (NAME)"; NetworkPolicy: "ingress" / "egress"
  bool operator<(const DenyRule& o) const { return std::tie(tier, policy, rule) < std::tie(o.tier, o.policy, o.rule); }
  bool operator==(const DenyRule& o) const { return std::tie(tier, policy, rule) == std::tie(o.tier, o.policy, o.rule); }
};

// Thread-safe: the compiler asks for ids while the deny-log reader resolves them.
class DenyRuleIds {
 public:
  uint32_t idFor(const DenyRule& rule) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, added] = ids_.emplace(rule, static_cast<uint32_t>(rules_.size() + 1));
    if (added) rules_.push_back(rule);
    return it->second;
  }
  std::optional<DenyRule> find(uint32_t id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (id == 0 || id > rules_.size()) return std::nullopt;
    return rules_[id - 1];
  }

 private:
  mutable std::mutex mutex_;
  std::map<DenyRule, uint32_t> ids_;
  std::vector<DenyRule> rules_;  // id n at n-1
};

// The log prefix for `id`: "kg:7".
inline std::string denyLogPrefix(uint32_t id) { return "kg:" + std::to_string(id); }

}  // namespace netpol
