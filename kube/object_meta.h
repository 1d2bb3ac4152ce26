#pragma once
// The parts of metav1.ObjectMeta that kguard reads.
#include <map>
#include <string>
#include <vector>

namespace kube {

using StringMap = std::map<std::string, std::string>;

// metadata.ownerReferences[]: the object that owns this one (a Pod's ReplicaSet, a Job's CronJob).
struct OwnerReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;  // *bool in the API; unset is no controller
};

struct ObjectMeta {
  std::string name;
  std::string generateName;
  std::string namespace_;
  StringMap labels;
  StringMap annotations;
  std::string uid;
  std::vector<OwnerReference> ownerReferences;
};

}  // namespace kube
