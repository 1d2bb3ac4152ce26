#pragma once
// Typed reads from untrusted JSON with the field path in every error: the boundary where a manifest
// or an AdmissionReview becomes kguard's typed structs. Include only in decoder .cpp files.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/decode_error.h"

namespace kube {

// A JSON float with an integral value within int64 (1000.0 is the integer 1000 to the API server too).
// The range is checked before the cast: casting 1.2e32 to int64 is undefined behaviour.
inline std::optional<int64_t> integralDouble(double d) {
  if (!(d >= -9.2e18 && d <= 9.2e18)) return std::nullopt;  // also false for NaN
  auto i = static_cast<int64_t>(d);
  if (static_cast<double>(i) != d) return std::nullopt;
  return i;
}

// One field of an object type T: its name and how to read its (present, non-null) value into T. Decoders
// list an object's fields in a table of these, so that a reader can decode the object in one pass
// (JsonReader::decodeFields; the webhook's fast reader walks the members once and dispatches by name).
template <typename T, typename Reader>
struct FieldRule {
  std::string_view name;  // a string literal: null-terminated
  void (*read)(T& out, const Reader& value);
};

// A JSON value and the path it was reached by. Missing fields and JSON null read as "unset".
class JsonReader {
 public:
  JsonReader(const nlohmann::json& value, std::string path) : value_(&value), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  const nlohmann::json& value() const { return *value_; }
  bool isNull() const { return value_->is_null(); }

  // The child field, or nullopt when it is missing or null. Throws unless this value is an object.
  std::optional<JsonReader> field(const char* name) const;
  // The field reached by a dotted path of object fields ("spec.jobTemplate.spec"), or nullopt when a
  // step is missing. An empty path is this value.
  std::optional<JsonReader> at(const std::string& dottedPath) const;
  // Calls fn for each element of the list at `name` (missing/null = empty).
  void forEach(const char* name, const std::function<void(const JsonReader&)>& fn) const;

  std::optional<std::string> optString(const char* name) const;
  std::optional<bool> optBool(const char* name) const;
  std::optional<int64_t> optInt(const char* name) const;
  std::string string(const char* name) const { return optString(name).value_or(""); }
  bool boolean(const char* name) const { return optBool(name).value_or(false); }
  std::map<std::string, std::string> stringMap(const char* name) const;
  std::vector<std::string> stringList(const char* name) const;

  // This value itself, typed; each throws DecodeError with this value's path when the type is wrong.
  std::string asString() const;
  std::string_view asStringView() const;  // as asString, without a copy; valid while the JSON is
  bool asBool() const;
  int64_t asInt() const;  // an integer within int64, or a float with an integral value
  std::map<std::string, std::string> asStringMap() const;  // null values read as ""
  std::vector<std::string> asStringList() const;
  void forEachItem(const std::function<void(const JsonReader&)>& fn) const;  // this value is a list
  size_t itemCount() const { return value_->is_array() ? value_->size() : 0; }  // a hint for reserve()

  // Reads the fields of this object that `fields` lists, in the table's order (so that the first bad
  // field in that order is the one reported); missing and null fields are left as they are.
  template <typename T, size_t N>
  void decodeFields(T& out, const FieldRule<T, JsonReader> (&fields)[N]) const {
    for (const auto& rule : fields)
      if (auto f = field(rule.name.data())) rule.read(out, *f);
  }

  // Every key of this object (throws unless it is an object).
  std::vector<std::string> keys() const;
  // Fails at the first key of this object that `known` does not list, as the API server's strict field
  // validation (kubectl's default) refuses it: a misspelt field must not silently mean "unset".
  void expectKnownFields(const std::vector<std::string>& known) const;

  // This value itself, for the decoders shared with the webhook's fast reader (kube/pod_decode_impl.h).
  bool isString() const { return value_->is_string(); }
  bool isNumber() const { return value_->is_number(); }
  std::string stringValue() const { return value_->get<std::string>(); }
  std::string numberText() const { return value_->dump(); }
  // The integer, when this is a JSON integer (a float is not).
  std::optional<int64_t> integer() const {
    if (!value_->is_number_integer()) return std::nullopt;
    return value_->get<int64_t>();
  }
  // Calls fn(key, child) for each field of this object, in key order (throws unless it is an object).
  template <typename Fn>
  void forEachMember(Fn&& fn) const {
    expectObject();
    for (const auto& kv : value_->items()) fn(kv.key(), JsonReader(kv.value(), childPath(kv.key().c_str())));
  }

  [[noreturn]] void fail(const std::string& problem) const { throw DecodeError(path_, problem); }
  void expectObject() const;

 private:
  std::string childPath(const char* name) const { return path_.empty() ? name : path_ + "." + name; }
  const nlohmann::json* value_;
  std::string path_;
};

}  // namespace kube
