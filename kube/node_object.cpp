#include "kube/node_object.h"

#include "kube/json_reader.h"

namespace kube {

bool isNode(const nlohmann::json& object) {
  if (!object.is_object()) return false;
  auto kind = object.find("kind");
  auto apiVersion = object.find("apiVersion");
  const bool core = apiVersion == object.end() || !apiVersion->is_string() ||
                    apiVersion->get_ref<const std::string&>().find('/') == std::string::npos;  // "v1"
  return core && kind != object.end() && kind->is_string() && kind->get_ref<const std::string&>() == "Node";
}

NodeObject decodeNode(const nlohmann::json& object) {
  JsonReader root(object, "");
  NodeObject node;
  if (auto meta = root.field("metadata")) node.labels = meta->stringMap("labels");
  auto status = root.field("status");
  if (!status) return node;
  status->forEach("addresses", [&node](const JsonReader& a) {
    a.expectObject();
    NodeAddress address{a.string("type"), "", ""};
    if (auto value = a.field("address")) {
      // An IP address for the types that hold one (the message netpol always gave), a string in any case.
      const bool ip = address.type == "InternalIP" || address.type == "ExternalIP";
      if (!value->isString()) value->fail(ip ? "expected an IP address string" : "expected a string");
      address.address = value->stringValue();
      address.path = value->path();
      node.addresses.push_back(std::move(address));
    }
  });
  return node;
}

}  // namespace kube
