#include "netpol/agent/work_queue.h"

namespace netpol::agent {

bool WorkQueue::runOne(std::unique_lock<std::mutex>& lock) {
  if (jobs_.empty()) return false;
  auto job = std::move(jobs_.front());
  jobs_.pop_front();
  lock.unlock();
  job();  // jobs report their own errors; they must not throw
  lock.lock();
  return true;
}

void WorkQueue::push(std::function<void()> job) {
  if (workers_ == 0) return job();
  std::lock_guard<std::mutex> guard(mutex_);
  jobs_.push_back(std::move(job));
  if (threads_.size() < workers_) {
    threads_.emplace_back([this] {
      std::unique_lock<std::mutex> lock(mutex_);
      for (;;) {
        if (runOne(lock)) continue;
        if (closing_) return;
        wake_.wait(lock);
      }
    });
  }
  wake_.notify_one();
}

void WorkQueue::finish() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    while (runOne(lock)) {
    }
    closing_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  closing_ = false;
}

}  // namespace netpol::agent
