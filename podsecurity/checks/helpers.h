#pragma once
// Shared vocabulary of the check functions, mirroring upstream policy/helpers.go so that every
// message is worded exactly like Pod Security Admission's. Allowed pods allocate nothing here; a
// denied pod's names are string_views into the pod, which outlives every check call.
#include <algorithm>
#include <cassert>
#include <string>
#include <string_view>
#include <vector>

#include "kube/pod.h"
#include "podsecurity/check_result.h"

namespace podsecurity::checks {

inline CheckResult allow() { return {}; }

inline CheckResult deny(std::string reason, std::string detail) {
  assert(!reason.empty() && "a denial needs a reason");
  return CheckResult{"", std::move(reason), std::move(detail)};
}

// Container or volume names in the order found.
using NameList = std::vector<std::string_view>;

// Upstream's sets.String: listed sorted and without duplicates. A sorted vector, since these sets
// hold a handful of items and are only built for denied pods.
template <typename T>
class SortedSet {
 public:
  void insert(T value) {
    auto it = std::lower_bound(items_.begin(), items_.end(), value);
    if (it == items_.end() || *it != value) items_.insert(it, std::move(value));
  }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<T> items_;
};

// upstream pluralize: the singular only for exactly one.
inline const char* pluralize(const char* singular, const char* plural, size_t count) {
  return count == 1 ? singular : plural;
}

// Message pieces that concat() sizes and appends in place, so that a whole detail is one allocation.
template <typename Range>
struct Quoted {  // `"a", "b"` (upstream joinQuote; items are not escaped)
  const Range& items;
};
template <typename Range>
struct Joined {  // items separated by `separator`
  const Range& items;
  std::string_view separator;
};
struct Containers {  // `container "a"` / `containers "a", "b"`: the subject of most container messages
  const NameList& names;
};

template <typename Range>
Quoted<Range> quoted(const Range& items) { return {items}; }
template <typename Range>
Joined<Range> joined(const Range& items, std::string_view separator) { return {items, separator}; }
inline Containers containers(const NameList& names) { return {names}; }

namespace piece {

inline size_t size(std::string_view text) { return text.size(); }
inline void append(std::string& out, std::string_view text) { out.append(text); }

template <typename Range>
size_t size(const Quoted<Range>& q) {
  size_t n = 0;
  for (const auto& item : q.items) n += std::string_view(item).size() + 4;
  return n;
}
template <typename Range>
void append(std::string& out, const Quoted<Range>& q) {
  bool first = true;
  for (const auto& item : q.items) {
    out.append(first ? "\"" : ", \"");
    out.append(std::string_view(item));
    out.push_back('"');
    first = false;
  }
}

template <typename Range>
size_t size(const Joined<Range>& j) {
  size_t n = 0;
  for (const auto& item : j.items) n += std::string_view(item).size() + j.separator.size();
  return n;
}
template <typename Range>
void append(std::string& out, const Joined<Range>& j) {
  bool first = true;
  for (const auto& item : j.items) {
    if (!first) out.append(j.separator);
    out.append(std::string_view(item));
    first = false;
  }
}

inline size_t size(const Containers& c) { return 11 + size(quoted(c.names)); }
inline void append(std::string& out, const Containers& c) {
  out.append(pluralize("container", "containers", c.names.size()));
  out.push_back(' ');
  append(out, quoted(c.names));
}

}  // namespace piece

// One string from pieces (strings, quoted(...), joined(...), containers(...)), allocated once.
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::string out;
  out.reserve((piece::size(parts) + ... + 0));
  (piece::append(out, parts), ...);
  return out;
}

template <typename Range>
std::string join(const Range& items, std::string_view separator) { return concat(joined(items, separator)); }

template <typename Range>
std::string joinQuote(const Range& items) { return concat(quoted(items)); }

// Go's %q of a string: double-quoted with Go escapes, as upstream prints annotation values.
std::string goQuote(std::string_view text);

// spec.os.name == "windows": Windows pods are exempt from Linux-only restricted controls (v1.25+).
inline bool isWindowsPod(const kube::PodSpec& spec) { return spec.osName && *spec.osName == "windows"; }

// hostUsers: false puts the pod in a user namespace, which relaxes some controls (v1.35+, KEP-127);
// upstream relaxPolicyForUserNamespacePod.
inline bool inUserNamespace(const kube::PodSpec& spec) { return spec.hostUsers && !*spec.hostUsers; }

}  // namespace podsecurity::checks
