#pragma once
// Jobs run by a few threads while the caller keeps producing them: the reconciler compiles pods on its
// own thread and hands each pod's install to the queue, so installs into different network namespaces
// overlap with each other and with the next compile. With no workers the jobs run inline, in order.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace netpol::agent {

class WorkQueue {
 public:
  explicit WorkQueue(unsigned workers) : workers_(workers) {}
  ~WorkQueue() { finish(); }
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Runs `job` on a worker (started on first use); inline when there are no workers.
  void push(std::function<void()> job);
  // The caller helps with what is queued, then waits until every job has finished.
  void finish();

 private:
  bool runOne(std::unique_lock<std::mutex>& lock);  // false when the queue is empty

  unsigned workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace netpol::agent
