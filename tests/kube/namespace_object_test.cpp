#include <catch2/catch.hpp>

#include "kube/decode_error.h"
#include "kube/manifest.h"
#include "kube/namespace_object.h"

namespace {

nlohmann::json one(const std::string& yaml) { return kube::parseManifests(yaml, "ns.yaml").at(0).object; }

}  // namespace

TEST_CASE("a Namespace decodes to its name and labels; only v1 Namespaces are namespaces") {
  auto object = one("apiVersion: v1\nkind: Namespace\nmetadata: {name: dev, labels: {team: a}}");
  REQUIRE(kube::isNamespace(object));
  auto ns = kube::decodeNamespace(object);
  REQUIRE(ns);
  CHECK(ns->name == "dev");
  CHECK(ns->labels == kube::StringMap{{"team", "a"}});
  CHECK_FALSE(kube::isNamespace(one("apiVersion: v2\nkind: Namespace\nmetadata: {name: dev}")));
  CHECK_FALSE(kube::isNamespace(one("apiVersion: v1\nkind: Pod\nmetadata: {name: dev}")));
  CHECK_FALSE(kube::isNamespace(nlohmann::json::array()));
}

TEST_CASE("a Namespace without metadata has nothing to decode; wrong types name the field") {
  CHECK_FALSE(kube::decodeNamespace(one("apiVersion: v1\nkind: Namespace")).has_value());
  auto nameless = kube::decodeNamespace(one("apiVersion: v1\nkind: Namespace\nmetadata: {labels: {a: b}}"));
  REQUIRE(nameless);
  CHECK(nameless->name.empty());
  try {
    kube::decodeNamespace(one("apiVersion: v1\nkind: Namespace\nmetadata: {name: dev, labels: [a]}"));
    FAIL("expected a DecodeError");
  } catch (const kube::DecodeError& e) {
    CHECK(e.path() == "metadata.labels");
  }
}

TEST_CASE("a manifest carries its Namespace decoded once; its error is kept for each reader") {
  auto manifests = kube::parseManifests(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev, labels: {team: a}}\n---\n"
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: bad, labels: [a]}\n---\n"
      "apiVersion: v2\nkind: Namespace\nmetadata: {name: other}\n---\n"
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dev}\n",
      "ns.yaml");
  REQUIRE(manifests.size() == 4);
  const kube::NamespaceObject* dev = manifests[0].namespaceObject().get();
  REQUIRE(dev);
  CHECK(dev == manifests[0].namespaceObject().get());  // the same object for every reader
  CHECK(dev->labels == kube::StringMap{{"team", "a"}});
  for (int reader = 0; reader < 2; ++reader) {
    try {
      manifests[1].namespaceObject().get();
      FAIL("expected a DecodeError");
    } catch (const kube::DecodeError& e) {
      CHECK(e.path() == "metadata.labels");
    }
  }
  CHECK(manifests[2].namespaceObject().get() == nullptr);
  CHECK(manifests[3].namespaceObject().get() == nullptr);
  manifests[0].keepOnly(nlohmann::json::object());
  CHECK(manifests[0].namespaceObject().get() == nullptr);
}
