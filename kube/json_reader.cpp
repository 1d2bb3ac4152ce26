#include "kube/json_reader.h"

#include <algorithm>

namespace kube {
namespace {

std::string typeName(const nlohmann::json& v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "null";
}

}  // namespace

void JsonReader::expectObject() const {
  if (!value_->is_object()) fail("expected an object, got " + typeName(*value_));
}

std::optional<JsonReader> JsonReader::field(const char* name) const {
  expectObject();
  auto it = value_->find(name);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return JsonReader(*it, childPath(name));
}

std::optional<JsonReader> JsonReader::at(const std::string& dottedPath) const {
  std::optional<JsonReader> current = *this;
  size_t start = 0;
  while (current && start < dottedPath.size()) {
    size_t dot = dottedPath.find('.', start);
    std::string name = dottedPath.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    current = current->field(name.c_str());
    start = dot == std::string::npos ? dottedPath.size() : dot + 1;
  }
  return current;
}

void JsonReader::forEach(const char* name, const std::function<void(const JsonReader&)>& fn) const {
  if (auto list = field(name)) list->forEachItem(fn);
}

void JsonReader::forEachItem(const std::function<void(const JsonReader&)>& fn) const {
  if (!value_->is_array()) fail("expected a list, got " + typeName(*value_));
  size_t i = 0;
  for (const auto& element : *value_) fn(JsonReader(element, path_ + "[" + std::to_string(i++) + "]"));
}

std::optional<std::string> JsonReader::optString(const char* name) const {
  auto f = field(name);
  if (!f) return std::nullopt;
  return f->asString();
}

std::optional<bool> JsonReader::optBool(const char* name) const {
  auto f = field(name);
  if (!f) return std::nullopt;
  return f->asBool();
}

std::optional<int64_t> JsonReader::optInt(const char* name) const {
  auto f = field(name);
  if (!f) return std::nullopt;
  return f->asInt();
}

std::map<std::string, std::string> JsonReader::stringMap(const char* name) const {
  auto f = field(name);
  if (!f) return {};
  return f->asStringMap();
}

std::vector<std::string> JsonReader::stringList(const char* name) const {
  auto f = field(name);
  if (!f) return {};
  return f->asStringList();
}

std::string JsonReader::asString() const { return std::string(asStringView()); }

std::string_view JsonReader::asStringView() const {
  if (!value_->is_string()) fail("expected a string, got " + typeName(*value_));
  return value_->get_ref<const std::string&>();
}

bool JsonReader::asBool() const {
  if (!value_->is_boolean()) fail("expected a boolean, got " + typeName(*value_));
  return value_->get<bool>();
}

int64_t JsonReader::asInt() const {
  const auto& v = *value_;
  if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX)) return v.get<int64_t>();
  if (v.is_number_float())
    if (auto i = integralDouble(v.get<double>())) return *i;
  fail("expected an integer, got " + typeName(v));
}

std::map<std::string, std::string> JsonReader::asStringMap() const {
  std::map<std::string, std::string> out;
  if (!value_->is_object()) fail("expected an object of strings, got " + typeName(*value_));
  for (const auto& kv : value_->items()) {
    if (kv.value().is_null()) {
      out[kv.key()] = "";
    } else if (!kv.value().is_string()) {
      throw DecodeError(path_ + "[\"" + kv.key() + "\"]", "expected a string, got " + typeName(kv.value()));
    } else {
      out[kv.key()] = kv.value().get<std::string>();
    }
  }
  return out;
}

std::vector<std::string> JsonReader::asStringList() const {
  std::vector<std::string> out;
  forEachItem([&out](const JsonReader& item) { out.push_back(item.asString()); });
  return out;
}

std::vector<std::string> JsonReader::keys() const {
  expectObject();
  std::vector<std::string> out;
  for (const auto& kv : value_->items()) out.push_back(kv.key());
  return out;
}

void JsonReader::expectKnownFields(const std::vector<std::string>& known) const {
  expectObject();
  for (const auto& kv : value_->items()) {
    if (std::find(known.begin(), known.end(), kv.key()) != known.end()) continue;
    std::string expected;
    for (const auto& k : known) expected += (expected.empty() ? "" : ", ") + k;
    JsonReader(kv.value(), childPath(kv.key().c_str())).fail("unknown field \"" + kv.key() + "\"; expected one of: " + expected);
  }
}

}  // namespace kube
