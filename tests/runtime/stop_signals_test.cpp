// runtime::StopSignals with real signals sent to this process: SIGTERM and SIGINT each call onStop
// once, on the signal thread, after logging; without a signal, finish() ends the thread and onStop
// is never called.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime/log.h"
#include "runtime/stop_signals.h"

namespace {

struct Stopped {
  std::mutex mutex;
  std::condition_variable changed;
  int calls = 0;
  std::thread::id thread;
  void note() {
    std::lock_guard<std::mutex> lock(mutex);
    ++calls;
    thread = std::this_thread::get_id();
    changed.notify_all();
  }
  bool waitFor(int n) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(5), [&] { return calls >= n; });
  }
};

void stopsOn(int signal, const char* name) {
  runtime::LogCapture capture;
  Stopped stopped;
  {
    runtime::StopSignals signals([&] { stopped.note(); });
    CHECK_FALSE(signals.requested().load());
    REQUIRE(kill(getpid(), signal) == 0);  // process-directed, as `kill PID` and Ctrl-C send it
    REQUIRE(stopped.waitFor(1));
    CHECK(signals.requested().load());
    CHECK(stopped.thread != std::this_thread::get_id());
    kill(getpid(), signal);  // a second signal does not call onStop again
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(stopped.calls == 1);
  CHECK_THAT(capture.text(), Catch::Contains("\"msg\":\"signal received, draining\""));
  CHECK_THAT(capture.text(), Catch::Contains(std::string("\"signal\":\"") + name + "\""));
  // The second signal is still pending (blocked): take it so that it cannot reach the next test.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal);
  timespec none{0, 0};
  sigtimedwait(&set, nullptr, &none);
}

}  // namespace

TEST_CASE("SIGTERM calls onStop once, on the signal thread") { stopsOn(SIGTERM, "SIGTERM"); }

TEST_CASE("SIGINT calls onStop once") { stopsOn(SIGINT, "SIGINT"); }

TEST_CASE("without a signal, finish() returns promptly and never calls onStop") {
  Stopped stopped;
  runtime::StopSignals signals([&] { stopped.note(); });
  auto started = std::chrono::steady_clock::now();
  signals.finish();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
  CHECK(stopped.calls == 0);
  CHECK_FALSE(signals.requested().load());
  signals.finish();  // idempotent
}

TEST_CASE("SIGPIPE is ignored once StopSignals exists") {
  runtime::StopSignals signals;
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  close(fds[0]);
  CHECK(write(fds[1], "x", 1) == -1);  // EPIPE instead of death
  close(fds[1]);
}
