#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "kube/json_reader.h"
#include "kube/label_selector.h"

using kube::decodeLabelSelector;
using kube::LabelSelector;
using nlohmann::json;

namespace {

LabelSelector sel(const char* text) { return decodeLabelSelector(json::parse(text), "spec.podSelector"); }

std::string decodeError(const char* text) {
  try {
    sel(text);
  } catch (const kube::DecodeError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("empty selector selects everything, including objects without labels") {
  auto s = sel("{}");
  CHECK(s.selectsEverything());
  CHECK(s.matches({}));
  CHECK(s.matches({{"pod", "a"}}));
}

TEST_CASE("matchLabels needs every pair") {
  auto s = sel(R"({"matchLabels": {"pod": "a", "tier": "web"}})");
  CHECK(s.matches({{"pod", "a"}, {"tier", "web"}, {"extra", "x"}}));
  CHECK_FALSE(s.matches({{"pod", "a"}}));
  CHECK_FALSE(s.matches({{"pod", "a"}, {"tier", "db"}}));
}

TEST_CASE("matchExpressions operators follow labels.Requirement") {
  auto in = sel(R"({"matchExpressions": [{"key": "pod", "operator": "In", "values": ["b", "c"]}]})");
  CHECK(in.matches({{"pod", "b"}}));
  CHECK_FALSE(in.matches({{"pod", "a"}}));
  CHECK_FALSE(in.matches({}));

  // NotIn matches objects that lack the key altogether.
  auto notIn = sel(R"({"matchExpressions": [{"key": "ns", "operator": "NotIn", "values": ["x"]}]})");
  CHECK(notIn.matches({{"ns", "y"}}));
  CHECK(notIn.matches({}));
  CHECK_FALSE(notIn.matches({{"ns", "x"}}));

  auto exists = sel(R"({"matchExpressions": [{"key": "team", "operator": "Exists"}]})");
  CHECK(exists.matches({{"team", ""}}));
  CHECK_FALSE(exists.matches({{"other", "x"}}));

  auto absent = sel(R"({"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]})");
  CHECK(absent.matches({}));
  CHECK_FALSE(absent.matches({{"team", "a"}}));
}

TEST_CASE("matchLabels and matchExpressions are ANDed") {
  auto s = sel(R"({"matchLabels": {"app": "web"},
                   "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]})");
  CHECK(s.matches({{"app", "web"}}));
  CHECK_FALSE(s.matches({{"app", "web"}, {"env", "prod"}}));
  CHECK_FALSE(s.matches({{"env", "dev"}}));
}

TEST_CASE("invalid selectors are rejected with the field path") {
  CHECK(decodeError(R"({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]})") ==
        "spec.podSelector.matchExpressions[0].operator: unknown operator \"Equals\" (expected In, NotIn, Exists or DoesNotExist)");
  CHECK(decodeError(R"({"matchExpressions": [{"key": "a", "operator": "In"}]})") ==
        "spec.podSelector.matchExpressions[0]: values: must be non-empty when operator is In");
  CHECK(decodeError(R"({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]})") ==
        "spec.podSelector.matchExpressions[0]: values: must be empty when operator is Exists");
  CHECK(decodeError(R"({"matchLabels": {"a": 1}})").find("spec.podSelector.matchLabels") == 0);
  CHECK(decodeError(R"([1])") == "spec.podSelector: expected an object, got a list");
  CHECK(decodeError(R"({"matchExpressions": [{"operator": "Exists"}]})") ==
        "spec.podSelector.matchExpressions[0]: key: must be set");
}

// metav1validation.ValidateLabelSelector: ValidateLabels on matchLabels, ValidateLabelName on each key and
// IsValidLabelValue on each value of matchExpressions.
TEST_CASE("label keys and values the API server refuses are rejected, naming the field") {
  CHECK(decodeError(R"({"matchLabels": {"a b": "x"}})") ==
        "spec.podSelector.matchLabels[\"a b\"]: Invalid value: \"a b\": name part must consist of alphanumeric "
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
        "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  CHECK_THAT(decodeError(R"({"matchLabels": {"-x": "y"}})"), Catch::StartsWith("spec.podSelector.matchLabels[\"-x\"]: Invalid value: \"-x\": name part"));
  std::string long64(64, 'v');
  CHECK(decodeError(("{\"matchLabels\": {\"app\": \"" + long64 + "\"}}").c_str()) ==
        "spec.podSelector.matchLabels[\"app\"]: Invalid value: \"" + long64 + "\": must be no more than 63 characters");
  CHECK_THAT(decodeError(R"({"matchLabels": {"app": "a b"}})"), Catch::Contains("a valid label must be an empty string"));
  CHECK_THAT(decodeError(R"({"matchLabels": {"Example.com/app": "x"}})"), Catch::Contains("prefix part a lowercase RFC 1123 subdomain"));
  CHECK_THAT(decodeError(R"({"matchLabels": {"/app": "x"}})"), Catch::Contains("prefix part must be non-empty"));
  CHECK_THAT(decodeError(R"({"matchLabels": {"a/b/c": "x"}})"), Catch::Contains("a qualified name must consist"));
  CHECK_THAT(decodeError(R"({"matchLabels": {"example.com/": "x"}})"), Catch::Contains("name part must be non-empty"));
  CHECK_THAT(decodeError(("{\"matchLabels\": {\"" + std::string(64, 'k') + "\": \"x\"}}").c_str()),
             Catch::Contains("name part must be no more than 63 characters"));
  CHECK_THAT(decodeError(R"({"matchExpressions": [{"key": "a b", "operator": "Exists"}]})"),
             Catch::StartsWith("spec.podSelector.matchExpressions[0].key: Invalid value: \"a b\": name part"));
  CHECK_THAT(decodeError(R"({"matchExpressions": [{"key": "app", "operator": "In", "values": ["ok", "not ok"]}]})"),
             Catch::StartsWith("spec.podSelector.matchExpressions[0].values[1]: Invalid value: \"not ok\": a valid label"));
  // What the API server accepts stays accepted: prefixes, dots, underscores, upper case, the empty value.
  CHECK(decodeError(R"({"matchLabels": {"app.kubernetes.io/name": "My_App.v1", "k8s.io/x": ""},
                        "matchExpressions": [{"key": "A-b_c.d", "operator": "NotIn", "values": ["", "Z9"]}]})") == "");
}

TEST_CASE("describe uses the kubectl spelling") {
  auto s = sel(R"({"matchLabels": {"pod": "a"}, "matchExpressions": [{"key": "t", "operator": "In", "values": ["x","y"]},
                   {"key": "l", "operator": "DoesNotExist"}]})");
  CHECK(s.describe() == "pod=a,t in (x,y),!l");
}

TEST_CASE("a misspelt selector field is an error, not an empty selector that selects everything") {
  // The API server's strict field validation (kubectl's default) refuses it too.
  CHECK(decodeError(R"({"matchLabel": {"pod": "a"}})") ==
        "spec.podSelector.matchLabel: unknown field \"matchLabel\"; expected one of: matchLabels, matchExpressions");
  CHECK(decodeError(R"({"matchExpressions": [{"key": "pod", "operator": "In", "value": ["a"]}]})") ==
        "spec.podSelector.matchExpressions[0].value: unknown field \"value\"; expected one of: key, operator, values");
}
