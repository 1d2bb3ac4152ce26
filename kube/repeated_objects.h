#pragma once
// The same object (API group, kind, namespace, name) given more than once in one input, across files or
// within one. `kubectl apply -f` applies each in turn, so the cluster ends with the last one: commands
// that judge the resulting state (netpol, rbac) keep only that one; lint, which judges what admission
// sees, still checks each. Either way the user is told, since it is most often a copy-paste mistake.
#include <string>
#include <vector>

#include "kube/manifest.h"

namespace kube {

// One repetition: manifests[earlier] is replaced by manifests[later] (consecutive copies of one object).
struct RepeatedObject {
  size_t earlier = 0;
  size_t later = 0;
};

// Every repetition, in input order. An object without a namespace is in `defaultNamespace`; objects with
// only generateName are each a new object, never repetitions.
std::vector<RepeatedObject> findRepeatedObjects(const std::vector<Manifest>& manifests,
                                                const std::string& defaultNamespace = "default");

// "Pod x/a in a.yaml:3 is given again in b.yaml:9" — the one wording, callers add what follows from it.
std::string describeRepeat(const std::vector<Manifest>& manifests, const RepeatedObject& repeat);

// The manifests without each repeated object's earlier copies (the state `kubectl apply` leaves).
std::vector<Manifest> keepLastOfEach(std::vector<Manifest> manifests, const std::vector<RepeatedObject>& repeats);

}  // namespace kube
