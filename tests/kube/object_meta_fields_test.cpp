// kube::metadataString / metadataField: lenient by design (list pages, watch events, report locations),
// so every odd shape reads as "absent" instead of throwing.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "kube/object_meta_fields.h"

using nlohmann::json;

TEST_CASE("metadataString reads metadata.<field> when it is a string") {
  auto object = json::parse(R"({"metadata":{"name":"web","namespace":"shop","resourceVersion":"42"}})");
  CHECK(kube::metadataString(object, "name") == "web");
  CHECK(kube::metadataString(object, "namespace") == "shop");
  CHECK(kube::metadataString(object, "resourceVersion") == "42");
  CHECK(kube::metadataString(object, "uid").empty());
}

TEST_CASE("metadataString is empty for every shape that is not a string at metadata.<field>") {
  for (const char* text : {"null", "[1]", "\"x\"", "{}", R"({"metadata":null})", R"({"metadata":"web"})",
                           R"({"metadata":[{"name":"web"}]})", R"({"metadata":{"name":7}})",
                           R"({"metadata":{"name":{"first":"web"}}})", R"({"name":"web"})"}) {
    INFO(text);
    CHECK(kube::metadataString(json::parse(text), "name").empty());
  }
}

TEST_CASE("metadataField returns the raw value, or nullptr when absent") {
  auto object = json::parse(R"({"metadata":{"labels":{"app":"web"},"name":"x"}})");
  const json* labels = kube::metadataField(object, "labels");
  REQUIRE(labels);
  CHECK(labels->at("app") == "web");
  CHECK(kube::metadataField(object, "annotations") == nullptr);
  CHECK(kube::metadataField(json::parse("[]"), "labels") == nullptr);
}
