#pragma once
// The parts of metav1.ObjectMeta that kguard reads.
#include <map>
#include <string>

namespace kube {

using StringMap = std::map<std::string, std::string>;

struct ObjectMeta {
  std::string name;
  std::string generateName;
  std::string namespace_;
  StringMap labels;
  StringMap annotations;
};

}  // namespace kube
