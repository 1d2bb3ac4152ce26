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
