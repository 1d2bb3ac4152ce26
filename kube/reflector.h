#pragma once
// Keeps a local view of one API collection current, the way client-go's tools/cache Reflector does:
// LIST (paginated), then WATCH from the list's resourceVersion with bookmarks, resume a broken watch
// from the last resourceVersion seen, RELIST when the server says that version is gone (410), and back
// off exponentially on errors. Runs in its own thread; callbacks are called on that thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace kube {

class ApiClient;

struct ReflectorOptions {
  // client-go's reflector backoff: 800 ms doubling up to 30 s, with up to +100% jitter.
  std::chrono::milliseconds initialBackoff{800};
  std::chrono::milliseconds maxBackoff{30000};
  // Each watch asks for timeoutSeconds in [minWatchTimeout, 2 * minWatchTimeout), like client-go's
  // 5-10 minutes, so that watches are spread over time and reconnect through fresh connections.
  std::chrono::seconds minWatchTimeout{300};
  int pageSize = 500;  // LIST `limit`; 0 lists everything at once
  // Told about every failure (for logging); called on the reflector thread.
  std::function<void(const std::string& message)> onError;
};

class Reflector {
 public:
  // After each successful LIST: the complete collection (list items carry no kind/apiVersion).
  using ReplaceHandler = std::function<void(std::vector<nlohmann::json> items)>;
  // Each ADDED / MODIFIED / DELETED watch event (bookmarks and errors are handled internally).
  using EventHandler = std::function<void(const std::string& type, const nlohmann::json& object)>;

  // `collectionPath` may carry a query ("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1").
  Reflector(std::shared_ptr<const ApiClient> client, std::string collectionPath, ReplaceHandler onReplace,
            EventHandler onEvent, ReflectorOptions options = {});
  ~Reflector();  // stops and joins
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  void start();  // starts the thread (once)
  // Ends the thread promptly (an idle watch is aborted within ~50 ms) and joins it. Idempotent.
  void stop();

  bool hasSynced() const;  // a LIST has succeeded and onReplace has returned
  bool waitForSync(std::chrono::milliseconds timeout) const;
  std::string resourceVersion() const;  // the last one seen (list, event or bookmark)
  std::string lastError() const;        // the most recent failure, "" if none yet

 private:
  // Progress: ended cleanly after events; Idle: ended cleanly after >= 1 s without any; Gone: 410.
  enum class WatchOutcome { Progress, Idle, Gone, Failed, Stopped };
  void run();
  bool list();
  WatchOutcome watchOnce(bool& deliveredEvents);
  void backoff(int failures);
  void report(const std::string& message);
  void setResourceVersion(const std::string& rv);

  std::shared_ptr<const ApiClient> client_;
  std::string collectionPath_;
  ReplaceHandler onReplace_;
  EventHandler onEvent_;
  ReflectorOptions options_;

  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // sync reached or stop requested
  bool synced_ = false;
  std::string resourceVersion_;
  std::string lastError_;
};

}  // namespace kube
