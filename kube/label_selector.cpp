#include "kube/label_selector.h"

#include <algorithm>

#include "kube/json_reader.h"
#include "kube/label_validation.h"

namespace kube {
namespace {

using Op = LabelSelectorRequirement::Operator;

bool contains(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// Mirrors labels.Requirement.Matches: NotIn and DoesNotExist also match when the key is absent.
bool requirementMatches(const LabelSelectorRequirement& r, const StringMap& labels) {
  auto it = labels.find(r.key);
  bool has = it != labels.end();
  switch (r.op) {
    case Op::In: return has && contains(r.values, it->second);
    case Op::NotIn: return !has || !contains(r.values, it->second);
    case Op::Exists: return has;
    case Op::DoesNotExist: return !has;
  }
  return false;
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

LabelSelectorRequirement decodeRequirement(const JsonReader& r) {
  r.expectKnownFields({"key", "operator", "values"});
  LabelSelectorRequirement req;
  req.key = r.string("key");
  if (req.key.empty()) r.fail("key: must be set");
  // ValidateLabelSelectorRequirement: ValidateLabelName(key), IsValidLabelValue for each value.
  std::string keyProblem = labelKeyProblem(req.key);
  if (!keyProblem.empty()) r.field("key")->fail(invalidValue(req.key, keyProblem));
  auto op = r.optString("operator");
  if (!op) r.fail("operator: must be set");
  if (*op == "In") req.op = Op::In;
  else if (*op == "NotIn") req.op = Op::NotIn;
  else if (*op == "Exists") req.op = Op::Exists;
  else if (*op == "DoesNotExist") req.op = Op::DoesNotExist;
  else r.field("operator")->fail("unknown operator \"" + *op + "\" (expected In, NotIn, Exists or DoesNotExist)");
  req.values = r.stringList("values");
  // ValidateLabelSelectorRequirement: In/NotIn need values, Exists/DoesNotExist must have none.
  bool needsValues = req.op == Op::In || req.op == Op::NotIn;
  if (needsValues && req.values.empty()) r.fail("values: must be non-empty when operator is " + *op);
  if (!needsValues && !req.values.empty()) r.fail("values: must be empty when operator is " + *op);
  for (size_t i = 0; i < req.values.size(); ++i) {
    std::string problem = labelValueProblem(req.values[i]);
    if (!problem.empty()) throw DecodeError(r.path() + ".values[" + std::to_string(i) + "]", invalidValue(req.values[i], problem));
  }
  return req;
}

}  // namespace

bool LabelSelector::matches(const StringMap& labels) const {
  for (const auto& [key, value] : matchLabels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const auto& r : matchExpressions)
    if (!requirementMatches(r, labels)) return false;
  return true;
}

std::string LabelSelector::describe() const {
  if (selectsEverything()) return "{} (everything)";
  std::vector<std::string> parts;
  for (const auto& [key, value] : matchLabels) parts.push_back(key + "=" + value);
  for (const auto& r : matchExpressions) {
    switch (r.op) {
      case Op::In: parts.push_back(r.key + " in (" + join(r.values) + ")"); break;
      case Op::NotIn: parts.push_back(r.key + " notin (" + join(r.values) + ")"); break;
      case Op::Exists: parts.push_back(r.key); break;
      case Op::DoesNotExist: parts.push_back("!" + r.key); break;
    }
  }
  return join(parts);
}

LabelSelector decodeLabelSelector(const nlohmann::json& value, const std::string& path) {
  JsonReader r(value, path);
  r.expectKnownFields({"matchLabels", "matchExpressions"});  // `matchLabel: ...` would select everything
  LabelSelector s;
  s.matchLabels = r.stringMap("matchLabels");
  validateLabels(s.matchLabels, path.empty() ? "matchLabels" : path + ".matchLabels");
  r.forEach("matchExpressions", [&s](const JsonReader& e) { s.matchExpressions.push_back(decodeRequirement(e)); });
  return s;
}

}  // namespace kube
