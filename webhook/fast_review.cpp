#include "webhook/fast_review.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string_view>

#include <simdjson.h>

#include "kube/pod_decode.h"
#include "kube/pod_decode_impl.h"

namespace webhook {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Thrown for anything the fast path does not take; caught once in readPodReviewFast.
struct NotFast {};

// kube::JsonReader's interface over a simdjson element, with the same semantics (missing and null
// fields are unset, the last of duplicate keys wins as in nlohmann) but no field paths: an error only
// sends the request to the nlohmann path, which builds them.
class FastReader {
 public:
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

  // Literal field names have their length taken at compile time (no strlen per lookup).
  template <size_t N>
  std::optional<FastReader> field(const char (&name)[N]) const {
    return field(std::string_view(name, N - 1));
  }

  std::optional<FastReader> field(std::string_view wanted) const {
    expectObject();
    std::optional<element> found;
    const auto& o = object();
    if (o.size() <= 4) {
      // Small objects (seccompProfile, capabilities, ports, limits): a scan is cheaper than an index.
      for (auto member : o)
        if (member.key == wanted) found = member.value;
    } else {
      const Index& index = indexed();
      // Most lookups are for optional fields that are absent: the key filter answers those without a scan.
      if (!index.mayHave(wanted)) return std::nullopt;
      const auto& arena = members();
      for (uint32_t i = index.begin; i < index.end; ++i) {
        if (arena[i].key != wanted) continue;
        found = arena[i].value;
        if (index.unique) break;  // no duplicate keys: the first match is the last
      }
    }
    if (!found || found->type() == element_type::NULL_VALUE) return std::nullopt;
    return FastReader(*found);
  }

  // Forget every object index: called before each review (the indexes point into the parser's tape).
  static void resetIndexes() { members().clear(); }

  template <typename Fn>
  void forEach(std::string_view name, Fn&& fn) const {
    auto list = field(name);
    if (!list) return;
    if (list->value_.type() != element_type::ARRAY) throw NotFast{};
    simdjson::dom::array items = list->value_.get_array().value_unsafe();
    for (element item : items) fn(FastReader(item));
  }

  // Fields in key order with the last duplicate winning, as nlohmann's std::map holds them.
  template <typename Fn>
  void forEachMember(Fn&& fn) const {
    expectObject();
    std::vector<std::pair<std::string_view, element>> members;
    for (auto member : object()) members.emplace_back(member.key, member.value);
    // Stable: among equal keys the last one stays last, and only the last of a run is visited.
    std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < members.size(); ++i)
      if (i + 1 == members.size() || members[i + 1].first != members[i].first)
        fn(std::string(members[i].first), FastReader(members[i].second));
  }

  std::optional<std::string> optString(std::string_view name) const {
    auto f = field(name);
    if (!f) return std::nullopt;
    if (!f->isString()) throw NotFast{};
    return f->stringValue();
  }
  std::optional<bool> optBool(std::string_view name) const {
    auto f = field(name);
    if (!f) return std::nullopt;
    if (f->value_.type() != element_type::BOOL) throw NotFast{};
    return f->value_.get_bool().value_unsafe();
  }
  // As JsonReader::optInt: an integer within int64, or a float with an integral value.
  std::optional<int64_t> optInt(std::string_view name) const {
    auto f = field(name);
    if (!f) return std::nullopt;
    if (f->value_.type() == element_type::INT64) return f->value_.get_int64().value_unsafe();
    if (f->value_.type() == element_type::DOUBLE) {
      double d = f->value_.get_double().value_unsafe();
      if (d == static_cast<double>(static_cast<int64_t>(d)) && d >= -9.2e18 && d <= 9.2e18)
        return static_cast<int64_t>(d);
    }
    throw NotFast{};
  }
  std::string string(std::string_view name) const { return optString(name).value_or(""); }
  bool boolean(std::string_view name) const { return optBool(name).value_or(false); }

  std::map<std::string, std::string> stringMap(std::string_view name) const {
    std::map<std::string, std::string> out;
    auto f = field(name);
    if (!f) return out;
    f->expectObject();
    for (auto member : f->object()) {
      FastReader v(member.value);
      if (v.isNull()) out[std::string(member.key)] = "";
      else if (v.isString()) out[std::string(member.key)] = v.stringValue();
      else throw NotFast{};
    }
    return out;
  }
  std::vector<std::string> stringList(std::string_view name) const {
    std::vector<std::string> out;
    forEach(name, [&out](const FastReader& item) {
      if (!item.isString()) throw NotFast{};
      out.push_back(item.stringValue());
    });
    return out;
  }

 private:
  struct Member {
    std::string_view key;
    element value;
  };
  // The members of every object indexed during one review, contiguous: lookups scan this flat array
  // instead of walking simdjson's tape again.
  static std::vector<Member>& members() {
    thread_local std::vector<Member> arena;
    return arena;
  }

  // An object's members in the arena, plus a 128-bit Bloom filter of its keys; built on the first lookup.
  struct Index {
    uint32_t begin = 0, end = 0;
    bool unique = true;  // no key appears twice
    uint64_t bits[2] = {0, 0};

    static unsigned bit(std::string_view key) {
      if (key.empty()) return 0;
      auto c = [](char ch) { return static_cast<unsigned>(static_cast<unsigned char>(ch)); };
      return (static_cast<unsigned>(key.size()) * 31 + c(key.front()) * 7 + c(key.back()) * 3 + c(key[key.size() / 2])) % 128;
    }
    bool mayHave(std::string_view key) const {
      const unsigned b = bit(key);
      return (bits[b / 64] >> (b % 64)) & 1;
    }
    void add(std::string_view key) {
      const unsigned b = bit(key);
      bits[b / 64] |= uint64_t{1} << (b % 64);
    }
  };

  const Index& indexed() const {
    if (index_) return *index_;
    expectObject();
    auto& arena = members();
    Index index;
    index.begin = static_cast<uint32_t>(arena.size());
    for (auto member : object()) {
      // Exact duplicate check, only for keys whose filter bit is already set.
      if (index.unique && index.mayHave(member.key))
        for (size_t i = index.begin; i < arena.size() && index.unique; ++i) index.unique = arena[i].key != member.key;
      index.add(member.key);
      arena.push_back({member.key, member.value});
    }
    index.end = static_cast<uint32_t>(arena.size());
    index_ = index;
    return *index_;
  }

  // Only after a type check (a local copy: the simdjson_result holding it is a temporary).
  simdjson::dom::object object() const {
    simdjson::dom::object o = value_.get_object().value_unsafe();
    return o;
  }
  element value_;
  mutable std::optional<Index> index_;
};

// The pod of a Pod object (kube::extractPod for kind Pod); other kinds are not for the fast path.
std::shared_ptr<const kube::PodTemplate> decodePodObject(const FastReader& object) {
  auto where = kube::podTemplatePath(object.string("apiVersion"), object.string("kind"));
  if (!where || !where->empty()) throw NotFast{};
  return std::make_shared<const kube::PodTemplate>(kube::podDecode::decodePod(object));
}

// Mirrors parseAdmissionReview + readRequest in admission_review.cpp for the requests it accepts.
ParsedReview readReview(const FastReader& root) {
  ParsedReview out;
  root.expectObject();
  out.apiVersion = root.string("apiVersion");
  if (out.apiVersion != "admission.k8s.io/v1" && out.apiVersion != "admission.k8s.io/v1beta1") throw NotFast{};
  if (root.string("kind") != "AdmissionReview") throw NotFast{};
  auto r = root.field("request");
  if (!r) throw NotFast{};
  auto& req = out.request;
  req.uid = r->string("uid");
  if (req.uid.empty()) throw NotFast{};
  if (auto kind = r->field("kind")) req.kind = kind->string("kind");
  auto resource = r->field("resource");
  if (!resource) throw NotFast{};
  req.resource = {resource->string("group"), resource->string("version"), resource->string("resource")};
  req.subResource = r->string("subResource");
  req.name = r->string("name");
  req.namespace_ = r->string("namespace");
  req.operation = r->string("operation");
  if (auto user = r->field("userInfo")) {
    req.username = user->string("username");
    req.groups = user->stringList("groups");
  }
  req.dryRun = r->boolean("dryRun");
  auto object = r->field("object");
  auto oldObject = r->field("oldObject");
  if (oldObject) oldObject->expectObject();
  // Only Pod CREATE and UPDATE, with the objects they need; everything else takes the general path.
  if (!req.resource.group.empty() || req.resource.resource != "pods" || !object) throw NotFast{};
  if (req.operation != "CREATE" && req.operation != "UPDATE") throw NotFast{};
  req.decodedPod = decodePodObject(*object);
  if (req.operation == "UPDATE") {
    if (!oldObject) throw NotFast{};
    req.decodedOldPod = decodePodObject(*oldObject);
  }
  return out;
}

// Shallower than admission_review.cpp's depth limit (200), so that any input near that limit is left
// to the nlohmann path and its depth guard. simdjson itself never recurses on input.
constexpr size_t kMaxDepth = 150;

simdjson::dom::parser& threadParser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    if (p.allocate(64 * 1024, kMaxDepth) != simdjson::SUCCESS) throw std::bad_alloc();
    return p;
  }();
  return parser;
}

}  // namespace

std::optional<ParsedReview> readPodReviewFast(const std::string& body) {
  FastReader::resetIndexes();
  element root;
  if (threadParser().parse(body).get(root) != simdjson::SUCCESS) return std::nullopt;
  try {
    return readReview(FastReader(root));
  } catch (const NotFast&) {
    return std::nullopt;
  }
}

}  // namespace webhook
