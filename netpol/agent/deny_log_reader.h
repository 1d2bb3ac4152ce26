#pragma once
// The agent's deny log (--deny-log): one NFLOG subscription (deny_log.h) per programmed pod network
// namespace, all read on one thread; each dropped packet becomes a JSON line on `out` naming the rule
// its `kg:<n>` prefix stands for, and is counted per tier and policy in the agent's metrics.
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "netpol/agent/agent_metrics.h"
#include "netpol/agent/deny_log.h"
#include "netpol/deny_rule_ids.h"

namespace netpol::agent {

class Netns;

class DenyLogReader {
 public:
  // `ids` is the table the compiler numbers the agent's drop rules with; `metrics` may be null.
  DenyLogReader(uint16_t group, const DenyRuleIds& ids, std::FILE* out, AgentMetrics* metrics);
  ~DenyLogReader();  // stops and joins the reading thread
  DenyLogReader(const DenyLogReader&) = delete;
  DenyLogReader& operator=(const DenyLogReader&) = delete;

  // Starts reading `ns` (nothing if it is read already). Returns why it cannot, or nullopt.
  std::optional<std::string> follow(const Netns& ns);
  // Stops reading every namespace whose inode is not in `alive`.
  void keepOnly(const std::set<uint64_t>& alive);

 private:
  void run();
  void wake();
  void print(const LoggedPacket& packet);

  uint16_t group_;
  const DenyRuleIds& ids_;
  std::FILE* out_;
  AgentMetrics* metrics_;
  int wakeFd_ = -1;  // eventfd: the subscriptions changed, or stop
  std::mutex mutex_;
  bool stopping_ = false;
  std::map<uint64_t, std::unique_ptr<NflogSubscription>> subscriptions_;  // by namespace inode
  std::vector<std::unique_ptr<NflogSubscription>> retired_;  // closed by the thread, never under its poll
  std::thread thread_;
};

}  // namespace netpol::agent
