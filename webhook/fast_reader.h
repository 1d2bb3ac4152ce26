#pragma once
// kube::JsonReader's interface over a simdjson DOM element, for the pod decoders shared with the nlohmann
// path (kube/pod_decode_impl.h). Same semantics (missing and null fields are unset, the last of duplicate
// keys wins as in nlohmann) but no field paths: anything it does not take throws NotFast and the request
// goes to the nlohmann path, which words every error. Used by webhook/fast_review.cpp only.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "kube/json_reader.h"

namespace webhook {

// Thrown for anything the fast path does not take; caught once in readPodReviewFast.
struct NotFast {};

class FastReader {
 public:
  using element = simdjson::dom::element;
  using element_type = simdjson::dom::element_type;

  explicit FastReader(element value) : value_(value) {}

  bool isNull() const { return value_.type() == element_type::NULL_VALUE; }
  bool isString() const { return value_.type() == element_type::STRING; }
  bool isNumber() const {
    auto t = value_.type();
    return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
  }
  std::string stringValue() const { return std::string(value_.get_string().value_unsafe()); }
  std::string numberText() const {
    // nlohmann prints floats its own way ("1000.0"); leave those to it.
    if (value_.type() == element_type::INT64) return std::to_string(value_.get_int64().value_unsafe());
    if (value_.type() == element_type::UINT64) return std::to_string(value_.get_uint64().value_unsafe());
    throw NotFast{};
  }
  // As nlohmann's is_number_integer() + get<int64_t>(): a 64-bit unsigned value wraps.
  std::optional<int64_t> integer() const {
    if (value_.type() == element_type::INT64) return value_.get_int64().value_unsafe();
    if (value_.type() == element_type::UINT64) return static_cast<int64_t>(value_.get_uint64().value_unsafe());
    return std::nullopt;
  }

  [[noreturn]] void fail(const std::string&) const { throw NotFast{}; }
  void expectObject() const {
    if (value_.type() != element_type::OBJECT) throw NotFast{};
  }

  // This value, typed (JsonReader's asString, asBool, ...).
  std::string asString() const { return std::string(asStringView()); }
  std::string_view asStringView() const {
    if (!isString()) throw NotFast{};
    return value_.get_string().value_unsafe();
  }
  bool asBool() const {
    if (value_.type() != element_type::BOOL) throw NotFast{};
    return value_.get_bool().value_unsafe();
  }
  // As JsonReader::asInt: an integer within int64, or a float with an integral value.
  int64_t asInt() const {
    if (value_.type() == element_type::INT64) return value_.get_int64().value_unsafe();
    if (value_.type() == element_type::DOUBLE)
      if (auto i = kube::integralDouble(value_.get_double().value_unsafe())) return *i;
    throw NotFast{};
  }
  std::map<std::string, std::string> asStringMap() const {
    expectObject();
    std::map<std::string, std::string> out;
    for (auto member : object()) {
      FastReader v(member.value);
      if (v.isNull()) out[std::string(member.key)] = "";
      else out[std::string(member.key)] = v.asString();
    }
    return out;
  }
  std::vector<std::string> asStringList() const {
    std::vector<std::string> out;
    forEachItem([&out](const FastReader& item) { out.push_back(item.asString()); });
    return out;
  }
  size_t itemCount() const {  // a hint for reserve(); 0 unless a list
    return value_.type() == element_type::ARRAY ? value_.get_array().value_unsafe().size() : 0;
  }
  template <typename Fn>
  void forEachItem(Fn&& fn) const {
    if (value_.type() != element_type::ARRAY) throw NotFast{};
    simdjson::dom::array items = value_.get_array().value_unsafe();
    for (element item : items) fn(FastReader(item));
  }

  // One pass over this object's members, each dispatched to its rule by name. A field that appears
  // twice goes to the nlohmann path, which keeps the last one; so a rule sees each field at most once,
  // and a null one not at all (unset, as JsonReader::field has it).
  template <typename T, size_t N>
  void decodeFields(T& out, const kube::FieldRule<T, FastReader> (&fields)[N]) const {
    static_assert(N <= 64, "one bit per field");
    // Built once per table, it narrows a key to the rules of its length. A type has one table; should a
    // second one ever come, it gets its own index here rather than the first one's.
    static const RulesByLength<N> first(fields);
    std::optional<RulesByLength<N>> other;
    const RulesByLength<N>& byLength = first.table == fields ? first : other.emplace(fields);
    expectObject();
    uint64_t seen = 0;
    for (auto member : object()) {
      for (uint64_t candidates = byLength.of(member.key); candidates; candidates &= candidates - 1) {
        const unsigned i = static_cast<unsigned>(__builtin_ctzll(candidates));
        if (!sameKey(member.key, fields[i].name)) continue;
        if (seen & (uint64_t{1} << i)) throw NotFast{};
        seen |= uint64_t{1} << i;
        if (member.value.type() != element_type::NULL_VALUE) fields[i].read(out, FastReader(member.value));
        break;
      }
    }
  }

  // The child field, or nullopt when it is missing or null; the last of duplicate keys wins. A scan:
  // the objects read this way are small (tables of FieldRules decode the large ones).
  std::optional<FastReader> field(std::string_view wanted) const {
    expectObject();
    std::optional<element> found;
    for (auto member : object())
      if (sameKey(member.key, wanted)) found = member.value;
    if (!found || found->type() == element_type::NULL_VALUE) return std::nullopt;
    return FastReader(*found);
  }

  template <typename Fn>
  void forEach(std::string_view name, Fn&& fn) const {
    if (auto list = field(name)) list->forEachItem(fn);
  }

  // Fields in key order with the last duplicate winning, as nlohmann's std::map holds them.
  template <typename Fn>
  void forEachMember(Fn&& fn) const {
    expectObject();
    using Member = std::pair<std::string_view, element>;
    // Objects read this way are small (a volume, resource limits): sorted on the stack.
    constexpr size_t kOnStack = 8;
    Member onStack[kOnStack];
    std::vector<Member> onHeap;
    size_t count = 0;
    for (auto member : object()) {
      if (count < kOnStack) onStack[count] = {member.key, member.value};
      ++count;
    }
    Member* members = onStack;
    if (count > kOnStack) {
      onHeap.reserve(count);
      for (auto member : object()) onHeap.emplace_back(member.key, member.value);
      members = onHeap.data();
    }
    // Stable: among equal keys the last one stays last, and only the last of a run is visited.
    std::stable_sort(members, members + count, [](const Member& a, const Member& b) { return a.first < b.first; });
    for (size_t i = 0; i < count; ++i)
      if (i + 1 == count || members[i + 1].first != members[i].first)
        fn(std::string(members[i].first), FastReader(members[i].second));
  }

  std::optional<std::string> optString(std::string_view name) const {
    auto f = field(name);
    if (!f) return std::nullopt;
    return f->asString();
  }
  std::optional<bool> optBool(std::string_view name) const {
    auto f = field(name);
    if (!f) return std::nullopt;
    return f->asBool();
  }
  std::optional<int64_t> optInt(std::string_view name) const {
    auto f = field(name);
    if (!f) return std::nullopt;
    return f->asInt();
  }
  std::string string(std::string_view name) const { return optString(name).value_or(""); }
  bool boolean(std::string_view name) const { return optBool(name).value_or(false); }
  std::map<std::string, std::string> stringMap(std::string_view name) const {
    auto f = field(name);
    if (!f) return {};
    return f->asStringMap();
  }
  std::vector<std::string> stringList(std::string_view name) const {
    auto f = field(name);
    if (!f) return {};
    return f->asStringList();
  }

 private:
  // For a table of N rules: which rules have a name of each length (lengths from 31 share the last slot).
  template <size_t N>
  struct RulesByLength {
    template <typename Rule>
    explicit RulesByLength(const Rule (&rules)[N]) : table(rules) {
      for (size_t i = 0; i < N; ++i) masks[std::min<size_t>(rules[i].name.size(), 31)] |= uint64_t{1} << i;
    }
    uint64_t of(std::string_view key) const { return masks[std::min<size_t>(key.size(), 31)]; }
    const void* table;
    uint64_t masks[32] = {};
  };

  // Key equality inline rather than a call into libc's memcmp: keys are short and most differ in length.
  static bool sameKey(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) return false;
    return true;
  }

  // Only after a type check (a local copy: the simdjson_result holding it is a temporary).
  simdjson::dom::object object() const {
    simdjson::dom::object o = value_.get_object().value_unsafe();
    return o;
  }
  element value_;
};

}  // namespace webhook
