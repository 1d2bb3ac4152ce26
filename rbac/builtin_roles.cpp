#include "rbac/builtin_roles.h"

#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "rbac/kubernetes_version.h"
#include "rbac/policy_decode.h"

namespace rbac {
namespace {

const std::string kBuiltinSourcePrefix = "built-in Kubernetes 1.";
// Shipped versions whose files are upstream master copies, not a release tag's (rbac/builtin/SOURCES).
constexpr int kDevelopmentDataMinor = 36;

using ObjectKey = std::tuple<bool, bool, std::string, std::string>;  // binding?, cluster-scoped?, namespace, name

ObjectKey keyOf(const Role& r) { return {false, r.clusterScoped, r.namespace_, r.name}; }
ObjectKey keyOf(const Binding& b) { return {true, b.clusterScoped, b.namespace_, b.name}; }

std::vector<kube::Manifest> parseVersion(int minor) {
  std::vector<kube::Manifest> out;
  for (const auto& file : builtinRolesFiles()) {
    if (file.minor != minor) continue;
    auto manifests = kube::parseManifests(file.text, kBuiltinSourcePrefix + std::to_string(minor) + "/" + file.name);
    std::move(manifests.begin(), manifests.end(), std::back_inserter(out));
  }
  return out;
}

}  // namespace

bool isBuiltinSource(const std::string& file) { return file.compare(0, kBuiltinSourcePrefix.size(), kBuiltinSourcePrefix) == 0; }

int builtinRolesVersionFor(int minor) {
  int best = 0;
  for (const auto& file : builtinRolesFiles())
    if (file.minor <= minor && file.minor > best) best = file.minor;
  return best;
}

std::string builtinRolesName(int dataMinor) {
  return "Kubernetes " + kubernetesVersionName(dataMinor) + (dataMinor == kDevelopmentDataMinor ? " development" : "");
}

std::vector<kube::Manifest> builtinRbacManifests(int minor) {
  // Parsed once per version and process (the data never changes).
  static std::mutex mutex;
  static std::map<int, std::vector<kube::Manifest>> cache;
  const int version = builtinRolesVersionFor(minor);
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(version);
  if (it == cache.end()) it = cache.emplace(version, parseVersion(version)).first;
  return it->second;
}

Policy withBuiltinRoles(Policy input, int minor) {
  std::set<ObjectKey> defined;
  for (const auto& r : input.roles) defined.insert(keyOf(r));
  for (const auto& b : input.bindings) defined.insert(keyOf(b));
  Policy builtin = decodePolicy(builtinRbacManifests(minor));
  for (auto& r : builtin.roles)
    if (!defined.count(keyOf(r))) input.roles.push_back(std::move(r));
  for (auto& b : builtin.bindings)
    if (!defined.count(keyOf(b))) input.bindings.push_back(std::move(b));
  return input;
}

bool isBootstrapObject(bool binding, bool clusterScoped, const std::string& namespace_, const std::string& name,
                       const kube::StringMap& labels) {
  auto label = labels.find("kubernetes.io/bootstrapping");
  if (label == labels.end() || label->second != "rbac-defaults") return false;
  static const std::set<ObjectKey> known = [] {
    std::set<ObjectKey> keys;
    std::set<int> versions;
    for (const auto& file : builtinRolesFiles()) versions.insert(file.minor);
    for (int v : versions) {
      Policy p = decodePolicy(builtinRbacManifests(v));
      for (const auto& r : p.roles) keys.insert(keyOf(r));
      for (const auto& b : p.bindings) keys.insert(keyOf(b));
    }
    return keys;
  }();
  return known.count(ObjectKey{binding, clusterScoped, namespace_, name}) > 0;
}

}  // namespace rbac
