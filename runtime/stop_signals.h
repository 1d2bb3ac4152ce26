#pragma once
// SIGTERM / SIGINT handling shared by kguard's daemons: the signals are blocked in every thread and
// taken by one thread with sigwait(), which logs them and starts the daemon's drain (`onStop`) once,
// outside any signal handler, so the drain may lock, log and join like any other code.
#include <atomic>
#include <functional>
#include <thread>

namespace runtime {

class StopSignals {
 public:
  // Construct before starting any other thread: threads inherit the blocked mask, and a thread
  // started earlier would still die of SIGTERM's default action. Also ignores SIGPIPE, so a peer that
  // hangs up makes a write fail instead of killing the process. `onStop` runs on the signal thread.
  explicit StopSignals(std::function<void()> onStop = {});
  ~StopSignals();  // finish()
  // Waits for a running onStop to return, or ends the signal thread without calling onStop if no
  // signal came. Call it before destroying what onStop uses. Idempotent. The signals stay blocked.
  void finish();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Set once SIGTERM or SIGINT arrived (before onStop runs), for loops that poll.
  const std::atomic<bool>& requested() const { return requested_; }

 private:
  std::function<void()> onStop_;
  std::atomic<bool> requested_{false};
  std::atomic<bool> closing_{false};  // finish() was called: a wake-up is not a stop request
  std::thread thread_;
};

}  // namespace runtime
