#pragma once
// The agent's event loop: waits for changes of its source, coalesces bursts, loads the objects and
// has the reconciler sync them; resyncs periodically (namespaces appear without the source changing).
#include <atomic>
#include <chrono>
#include <string>

#include "netpol/agent/agent_metrics.h"
#include "netpol/agent/datapath.h"
#include "netpol/model.h"
#include "netpol/render_nft.h"

namespace netpol::agent {

// Where the agent's objects come from: a folder of manifests (dir_source.h) or the API server
// (api_source.h).
class ClusterSource {
 public:
  virtual ~ClusterSource() = default;
  // Waits up to `timeout` for a change notification; true when the objects may have changed since
  // the previous call returned (notifications are consumed by the call that reports them).
  virtual bool waitForChange(std::chrono::milliseconds timeout) = 0;
  // The objects now. Throws kube::InputError (the agent keeps the previous state).
  virtual Cluster load() = 0;
  virtual std::string describe() const = 0;
};

struct LoopOptions {
  std::string nodeName;
  RenderOptions render;
  // A burst of changes ends when the source has been quiet this long... (a burst's files are written
  // or its watch events arrive well under a millisecond apart; every change pays this wait, and a burst
  // split in two costs only a second, equally consistent load: 15 ms was 10-20 % of an Admin change)
  int quietMs = 5;
  int maxDelayMs = 150;  // ...or when its first change is this old: a steady stream still gets applied
  int resyncMs = 2000;   // namespaces appear without the source changing: look again this often
  bool once = false;     // one sync, then return
  // Until the first load of the source has been synced, hold every namespace found in default-deny.
  // A first load that fails is then retried (on the next change, or after resyncMs) instead of ending
  // the loop: unreadable inputs are not synced inputs.
  bool defaultDenyUntilSynced = false;
  AgentMetrics* metrics = nullptr;
};

// Runs until `stop` (or after one sync with `once`). Returns the exit code: 0; 1 when `once` and a
// namespace failed; 2 when the first load fails (unless defaultDenyUntilSynced).
int runAgentLoop(ClusterSource& source, const LoopOptions& options, Datapath& datapath, const std::atomic<bool>& stop);

}  // namespace netpol::agent
