// List + watch loop mirroring k8s.io/client-go/tools/cache/reflector.go (ListAndWatch / watchHandler).
#include "kube/reflector.h"

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

#include "kube/api_client.h"
#include "kube/json_depth.h"
#include "kube/list_pager.h"
#include "kube/object_meta_fields.h"

namespace kube {
namespace {

using Clock = std::chrono::steady_clock;

// Events deeper than any Kubernetes object are refused before parsing, as the manifest loader does.
constexpr int kMaxJsonDepth = 1000;

nlohmann::json parseJson(const std::string& text) {
  if (jsonNestsDeeperThan(text, kMaxJsonDepth)) return nlohmann::json::value_t::discarded;
  return nlohmann::json::parse(text, nullptr, false);
}

std::string excerpt(const std::string& text) { return text.size() > 200 ? text.substr(0, 200) + "..." : text; }

// A watch that ends cleanly this soon without delivering anything is treated as a failure, so a
// server that closes every watch at once cannot make the reflector spin.
constexpr auto kMinQuietWatch = std::chrono::seconds(1);

}  // namespace

Reflector::Reflector(std::shared_ptr<const ApiClient> client, std::string collectionPath, ReplaceHandler onReplace,
                     EventHandler onEvent, ReflectorOptions options)
    : client_(std::move(client)),
      collectionPath_(std::move(collectionPath)),
      onReplace_(std::move(onReplace)),
      onEvent_(std::move(onEvent)),
      options_(std::move(options)) {}

Reflector::~Reflector() { stop(); }

void Reflector::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread(&Reflector::run, this);
}

void Reflector::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool Reflector::hasSynced() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return synced_;
}

bool Reflector::waitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return synced_ || stopping_.load(); }) && synced_;
}

std::string Reflector::resourceVersion() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return resourceVersion_;
}

std::string Reflector::lastError() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lastError_;
}

void Reflector::setResourceVersion(const std::string& rv) {
  std::lock_guard<std::mutex> lock(mutex_);
  resourceVersion_ = rv;
}

void Reflector::report(const std::string& message) {
  std::string full = collectionPath_ + ": " + message;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    lastError_ = full;
  }
  if (options_.onError) options_.onError(full);
}

void Reflector::backoff(int failures) {
  // initialBackoff * 2^(failures-1), capped, plus jitter so that many clients do not retry in step.
  auto delay = options_.initialBackoff;
  for (int i = 1; i < failures && delay < options_.maxBackoff; ++i) delay *= 2;
  static thread_local std::mt19937 random{std::random_device{}()};
  delay += std::chrono::milliseconds(std::uniform_int_distribution<long>(0, std::max<long>(0, delay.count()))(random));
  delay = std::min(delay, options_.maxBackoff);
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, delay, [&] { return stopping_.load(); });
}

void Reflector::run() {
  int failures = 0;  // consecutive failed attempts, reset by a watch that worked
  bool needList = true;
  while (!stopping_) {
    if (needList) {
      if (!list()) {
        if (stopping_) return;
        backoff(++failures);
        continue;
      }
      needList = false;
    }
    bool delivered = false;
    switch (watchOnce(delivered)) {
      case WatchOutcome::Stopped:
        return;
      case WatchOutcome::Progress:
      case WatchOutcome::Idle:
        failures = 0;  // the watch worked: re-watch at once from the last resourceVersion, as client-go does
        break;
      case WatchOutcome::Gone:
        // The resourceVersion is compacted away: only a fresh LIST can restore a consistent view.
        // Relist at once the first time; repeated 410s without progress back off.
        needList = true;
        if (delivered) failures = 0;
        if (failures > 0) backoff(failures);
        ++failures;
        break;
      case WatchOutcome::Failed:
        if (delivered) failures = 0;
        backoff(++failures);  // then resume from the last resourceVersion (no relist)
        break;
    }
  }
}

// A LIST without resourceVersion is a consistent read from etcd (what client-go falls back to after a
// 410), so the watch that follows never starts from a stale cache snapshot.
bool Reflector::list() {
  ListOptions options;
  options.pageSize = options_.pageSize;
  options.stop = &stopping_;
  options.onNote = [this](const std::string& note) { report("list: " + note); };
  ListResult listed = listCollection(*client_, collectionPath_, options);
  if (stopping_) return false;
  if (!listed.ok()) {
    report("list failed: " + listed.error);
    return false;
  }
  if (listed.resourceVersion.empty()) {
    report("list failed: the response has no metadata.resourceVersion to watch from");
    return false;
  }
  setResourceVersion(listed.resourceVersion);
  try {
    onReplace_(std::move(listed.items));
  } catch (const std::exception& e) {
    report(std::string("replace handler failed: ") + e.what());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    synced_ = true;
  }
  changed_.notify_all();
  return true;
}

Reflector::WatchOutcome Reflector::watchOnce(bool& delivered) {
  static thread_local std::mt19937 random{std::random_device{}()};
  const long minTimeout = std::max<long>(1, static_cast<long>(options_.minWatchTimeout.count()));
  const long timeoutSeconds = std::uniform_int_distribution<long>(minTimeout, 2 * minTimeout - 1)(random);
  const std::string path = withQuery(collectionPath_, "watch=1&resourceVersion=" + urlEncode(resourceVersion()) +
                                     "&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(timeoutSeconds));
  bool gone = false;
  std::string eventError;
  const auto started = Clock::now();

  ApiResponse response = client_->watch(
      path,
      [&](const std::string& line) {
        nlohmann::json event = parseJson(line);
        if (!event.is_object() || !event.contains("type") || !event["type"].is_string() ||
            !event.contains("object") || !event["object"].is_object()) {
          eventError = "malformed watch event: " + excerpt(line);
          return false;
        }
        const std::string type = event["type"].get<std::string>();
        const nlohmann::json& object = event["object"];
        if (type == "ERROR") {
          // A Status object; 410 means our resourceVersion is too old (etcd compaction).
          auto code = object.find("code");
          if (code != object.end() && code->is_number_integer() && code->get<int64_t>() == 410) {
            gone = true;
          } else {
            auto message = object.find("message");
            eventError = "watch ERROR event: " +
                         (message != object.end() && message->is_string() ? message->get<std::string>()
                                                                          : excerpt(object.dump()));
          }
          return false;
        }
        const std::string rv = metadataString(object, "resourceVersion");
        if (type == "BOOKMARK") {
          // Bookmarks only move the resourceVersion forward so that a resumed watch starts late enough.
          if (!rv.empty()) setResourceVersion(rv);
          delivered = true;
          return true;
        }
        if (type != "ADDED" && type != "MODIFIED" && type != "DELETED") {
          report("ignoring a watch event of unknown type \"" + excerpt(type) + "\"");  // as client-go
          return true;
        }
        if (!rv.empty()) setResourceVersion(rv);
        try {
          onEvent_(type, object);
        } catch (const std::exception& e) {
          report(std::string("event handler failed: ") + e.what());
        }
        delivered = true;
        return true;
      },
      stopping_);

  if (stopping_) return WatchOutcome::Stopped;
  if (gone || response.status == 410) {
    report("watch: resourceVersion " + resourceVersion() + " is gone (410), relisting");
    return WatchOutcome::Gone;
  }
  if (!eventError.empty()) {
    report(eventError);
    return WatchOutcome::Failed;
  }
  if (response.status != 200 || !response.error.empty()) {
    report("watch failed: " + response.describe());
    return WatchOutcome::Failed;
  }
  if (delivered) return WatchOutcome::Progress;
  if (Clock::now() - started < kMinQuietWatch) {
    report("watch ended immediately without events");
    return WatchOutcome::Failed;
  }
  return WatchOutcome::Idle;
}

}  // namespace kube
