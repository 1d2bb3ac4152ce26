#include "kube/repeated_objects.h"

#include <map>
#include <tuple>

#include "kube/object_meta_fields.h"

namespace kube {
namespace {

// apps/v1 and extensions/v1beta1 Deployments with one name are one object: compare the group only.
std::string apiGroup(const std::string& apiVersion) {
  auto slash = apiVersion.find('/');
  return slash == std::string::npos ? "" : apiVersion.substr(0, slash);
}

std::string placeOf(const Location& where) {
  if (where.line <= 0) return where.describe();
  return where.file + ":" + std::to_string(where.line);
}

}  // namespace

std::vector<RepeatedObject> findRepeatedObjects(const std::vector<Manifest>& manifests,
                                                const std::string& defaultNamespace) {
  using Key = std::tuple<std::string, std::string, std::string, std::string>;  // group, kind, namespace, name
  std::map<Key, size_t> lastSeen;
  std::vector<RepeatedObject> out;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const Manifest& m = manifests[i];
    const std::string& name = metadataString(m.object, "name");
    if (name.empty()) continue;  // generateName: the API server makes a new object each time
    std::string ns = m.namespace_();
    if (ns.empty()) ns = defaultNamespace;  // cluster-scoped kinds: the same on both sides, so harmless
    auto [it, inserted] = lastSeen.emplace(Key{apiGroup(m.apiVersion()), m.kind(), ns, name}, i);
    if (inserted) continue;
    out.push_back({it->second, i});
    it->second = i;
  }
  return out;
}

std::string describeRepeat(const std::vector<Manifest>& manifests, const RepeatedObject& repeat) {
  const Manifest& earlier = manifests[repeat.earlier];
  const std::string ns = earlier.namespace_();
  return earlier.kind() + " " + (ns.empty() ? "" : ns + "/") + metadataString(earlier.object, "name") + " in " +
         placeOf(earlier.where) + " is given again in " + placeOf(manifests[repeat.later].where);
}

std::vector<Manifest> keepLastOfEach(std::vector<Manifest> manifests, const std::vector<RepeatedObject>& repeats) {
  std::vector<bool> replaced(manifests.size(), false);
  for (const RepeatedObject& r : repeats) replaced[r.earlier] = true;
  std::vector<Manifest> out;
  out.reserve(manifests.size() - repeats.size());
  for (size_t i = 0; i < manifests.size(); ++i)
    if (!replaced[i]) out.push_back(std::move(manifests[i]));
  return out;
}

}  // namespace kube
