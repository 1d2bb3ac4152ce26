#include "netpol/agent/dir_source.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "kube/manifest.h"
#include "kube/manifest_files.h"
#include "netpol/decode.h"

namespace netpol::agent {
namespace {

namespace fs = std::filesystem;

// What identifies one version of a file: any write, replacement or truncation changes one of these.
struct FileStamp {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  timespec mtime{}, ctime{};

  bool operator==(const FileStamp& o) const {
    return device == o.device && inode == o.inode && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec && ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec;
  }
};

// One file's objects, decoded (placeholders for kinds the compiler ignores keep input positions).
struct CachedFile {
  FileStamp stamp;
  std::vector<DecodedObject> objects;
};

// Any problem with one file is an InputError naming it, so that the agent keeps its last good state.
CachedFile readAndDecode(const std::string& path, const FileStamp& stamp) {
  CachedFile file{stamp, {}};
  try {
    for (const auto& manifest : kube::parseManifests(kube::readManifestFile(path), path))
      file.objects.push_back(decodeObject(manifest).value_or(DecodedObject{}));
  } catch (const kube::InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw kube::InputError(path + ": " + e.what());
  }
  return file;
}

// A link that resolves to nothing (dangling, or looping back on itself). Such a *.yaml is listed so that
// reading it fails naming it, as `kguard lint DIR` does, rather than its policies vanishing silently.
bool isBrokenLink(const fs::directory_entry& entry) {
  std::error_code ec;
  if (!entry.is_symlink(ec)) return false;
  auto target = fs::status(entry.path(), ec);
  return ec || !fs::exists(target);
}


class DirSource : public ClusterSource {
 public:
  explicit DirSource(std::string dir) : dir_(std::move(dir)) {
    inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    try {
      listFiles();  // watches the folders, so that changes before the first load are noticed
    } catch (const kube::InputError&) {
    }
    if (inotify_ < 0) pollForChange(std::chrono::milliseconds(0));  // the baseline to compare with
  }
  ~DirSource() override {
    if (inotify_ >= 0) close(inotify_);
  }

  bool waitForChange(std::chrono::milliseconds timeout) override {
    if (inotify_ < 0) return pollForChange(timeout);
    pollfd p{inotify_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    return drainEvents();
  }

  Cluster load() override {
    auto files = listFiles();  // folders created since the last load get watches before their files are read
    std::map<std::string, CachedFile> next;
    try {
      for (const auto& [path, stamp] : files) {
        auto cached = cache_.find(path);
        if (cached != cache_.end() && cached->second.stamp == stamp)
          next.emplace(path, std::move(cached->second));
        else
          next.emplace(path, readAndDecode(path, stamp));
      }
    } catch (...) {
      cache_.clear();  // entries were moved out; the next load reads everything again
      throw;
    }
    cache_ = std::move(next);
    std::vector<const DecodedObject*> objects;
    for (const auto& [path, stamp] : files)
      for (const auto& object : cache_.at(path).objects) objects.push_back(&object);
    return assembleCluster(objects);
  }

  std::string describe() const override { return dir_; }

 private:
  // Every manifest file under dir_ with its stamp, sorted by path as `kguard lint DIR` reads them.
  // Folders met on the way are watched (inotify returns a folder's existing watch, so this repeats
  // safely); a single file or a missing dir_ is watched through its parent folder.
  std::vector<std::pair<std::string, FileStamp>> listFiles() {
    std::error_code ec;
    auto status = fs::status(dir_, ec);
    std::vector<std::pair<std::string, FileStamp>> out;
    if (ec || !fs::is_directory(status)) {
      auto parent = fs::path(dir_).parent_path();
      watch(parent.empty() ? "." : parent.string());
      if (ec || !fs::exists(status)) throw kube::InputError(dir_ + ": no such file or directory");
      out.emplace_back(dir_, stampOf(dir_));
      return out;
    }
    watch(dir_);
    for (fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      std::error_code typeError;
      if (it->is_directory(typeError)) watch(it->path().string());
      if (!kube::isManifestFile(it->path()) || !(it->is_regular_file(typeError) || isBrokenLink(*it))) continue;
      out.emplace_back(it->path().string(), stampOf(it->path().string()));
    }
    if (ec) throw kube::InputError(dir_ + ": cannot read folder: " + ec.message());
    // fs::path order (component by component), as loadManifests sorts; paths are split once.
    std::vector<std::pair<fs::path, size_t>> order;
    for (size_t i = 0; i < out.size(); ++i) order.emplace_back(out[i].first, i);
    std::sort(order.begin(), order.end());
    std::vector<std::pair<std::string, FileStamp>> sorted;
    for (const auto& [path, i] : order) sorted.push_back(std::move(out[i]));
    return sorted;
  }

  static FileStamp stampOf(const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return {};  // vanished: reading it will say so
    return FileStamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
  }

  void watch(const std::string& folder) {
    if (inotify_ < 0) return;
    constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB |
                               IN_DELETE_SELF | IN_MOVE_SELF;
    if (inotify_add_watch(inotify_, folder.c_str(), kMask) < 0 && errno == ENOSPC) fallBackToPolling();
  }

  // Reads every queued event; any event under the tree counts as a change (a new folder too: its
  // files are read by the next load, which also watches it).
  bool drainEvents() {
    alignas(inotify_event) char buffer[16384];
    bool changed = false;
    for (;;) {
      ssize_t n = read(inotify_, buffer, sizeof buffer);
      if (n <= 0) break;
      for (char* p = buffer; p < buffer + n;) {
        auto* event = reinterpret_cast<inotify_event*>(p);
        if (!(event->mask & IN_IGNORED)) changed = true;  // IN_Q_OVERFLOW included: reload to be sure
        p += sizeof(inotify_event) + event->len;
      }
    }
    return changed;
  }

  // Without inotify (no instance or no watches left): compare the stamps of all files every 200 ms.
  void fallBackToPolling() {
    close(inotify_);
    inotify_ = -1;
  }
  bool pollForChange(std::chrono::milliseconds timeout) {
    std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(200)));
    std::vector<std::pair<std::string, FileStamp>> now;
    try {
      now = listFiles();
    } catch (const kube::InputError&) {
    }
    bool changed = now != polled_;
    polled_ = std::move(now);
    return changed;
  }

  std::string dir_;
  int inotify_ = -1;
  std::map<std::string, CachedFile> cache_;
  std::vector<std::pair<std::string, FileStamp>> polled_;
};

}  // namespace

std::unique_ptr<ClusterSource> makeDirSource(const std::string& dir) { return std::make_unique<DirSource>(dir); }

}  // namespace netpol::agent
