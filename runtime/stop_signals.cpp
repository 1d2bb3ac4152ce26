#include "runtime/stop_signals.h"

#include <pthread.h>
#include <signal.h>

#include <string>

#include "runtime/log.h"

namespace runtime {
namespace {

sigset_t stopSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

const char* signalName(int signal) { return signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "?"; }

}  // namespace

StopSignals::StopSignals(std::function<void()> onStop) : onStop_(std::move(onStop)) {
  const sigset_t set = stopSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  thread_ = std::thread([this, set] {
    int received = 0;
    sigwait(&set, &received);
    if (closing_) return;  // the destructor's wake-up, not a request to stop
    requested_ = true;
    log(LogLevel::Info, "signal received, draining", {{"signal", signalName(received)}});
    if (onStop_) onStop_();
  });
}

StopSignals::~StopSignals() { finish(); }

void StopSignals::finish() {
  if (!thread_.joinable()) return;
  closing_ = true;
  // Wakes the sigwait() if it is still waiting: a thread-directed SIGTERM, blocked everywhere, is
  // taken by that sigwait() only.
  if (!requested_) pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

}  // namespace runtime
