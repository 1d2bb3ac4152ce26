#include <catch2/catch.hpp>

#include "kube/decode_error.h"
#include "kube/manifest.h"
#include "kube/node_object.h"

namespace {

std::vector<kube::Manifest> load(const std::string& yaml) { return kube::parseManifests(yaml, "node.yaml"); }

std::string decodeError(const std::string& yaml) {
  try {
    kube::decodeNode(load(yaml).at(0).object);
  } catch (const kube::DecodeError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a Node decodes to its labels and addresses, each with its field; the manifest keeps it") {
  auto manifests = load(R"(apiVersion: v1
kind: Node
metadata: {name: n1, labels: {zone: a}}
status:
  addresses: [{type: InternalIP, address: 10.0.0.1}, {type: Hostname}, {type: Hostname, address: n1}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
)");
  const kube::NodeObject* node = manifests.at(0).node().get();
  REQUIRE(node);
  CHECK(node->labels == kube::StringMap{{"zone", "a"}});
  REQUIRE(node->addresses.size() == 2);  // the item without an address is skipped
  CHECK(node->addresses[0].type == "InternalIP");
  CHECK(node->addresses[0].address == "10.0.0.1");
  CHECK(node->addresses[0].path == "status.addresses[0].address");
  CHECK(node->addresses[1].path == "status.addresses[2].address");
  CHECK(manifests.at(1).node().get() == nullptr);
  CHECK_FALSE(kube::isNode(load("apiVersion: example.com/v1\nkind: Node\n").at(0).object));
}

TEST_CASE("a malformed Node names the field; the manifest keeps the error for its readers") {
  CHECK(decodeError("apiVersion: v1\nkind: Node\nstatus: {addresses: [{type: InternalIP, address: 7}]}") ==
        "status.addresses[0].address: expected an IP address string");
  // New: an address of any type is a string (NodeAddress.address); netpol used to skip other types unread.
  CHECK(decodeError("apiVersion: v1\nkind: Node\nstatus: {addresses: [{type: Hostname, address: [n1]}]}") ==
        "status.addresses[0].address: expected a string");
  CHECK(decodeError("apiVersion: v1\nkind: Node\nmetadata: {labels: [a]}").find("metadata.labels") == 0);
  CHECK(decodeError("apiVersion: v1\nkind: Node\nstatus: {addresses: {}}").find("status.addresses") == 0);
  auto manifests = load("apiVersion: v1\nkind: Node\nstatus: []\n");
  CHECK_THROWS_AS(manifests.at(0).node().get(), kube::DecodeError);
}
