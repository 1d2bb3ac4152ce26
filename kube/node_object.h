#pragma once
// A core/v1 Node as kguard reads it: its labels and status.addresses (where the NetworkPolicy model
// places the node and its host-network pods). Decoded once where the object is read (kube::Manifest).
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/object_meta.h"

namespace kube {

struct NodeAddress {
  std::string type;     // InternalIP, ExternalIP, Hostname, InternalDNS, ExternalDNS
  std::string address;  // as written: an IP address for InternalIP and ExternalIP, a name otherwise
  std::string path;     // "status.addresses[1].address", for messages
};

struct NodeObject {
  StringMap labels;
  std::vector<NodeAddress> addresses;  // the items that carry an `address`
};

// kind Node of the core group.
bool isNode(const nlohmann::json& object);

// Throws DecodeError with the field path ("status.addresses[0].type") for fields of the wrong type.
NodeObject decodeNode(const nlohmann::json& object);

}  // namespace kube
