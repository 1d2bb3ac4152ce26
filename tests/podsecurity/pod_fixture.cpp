#include "tests/podsecurity/pod_fixture.h"

#include <stdexcept>

#include "kube/manifest.h"

namespace podsecurity::testing {

kube::PodTemplate pod(const std::string& specYaml, const std::string& metadataYaml) {
  std::string text = "apiVersion: v1\nkind: Pod\nmetadata: " + metadataYaml + "\nspec: " + specYaml + "\n";
  auto manifests = kube::parseManifests(text, "test.yaml");
  const kube::PodTemplate* p = manifests.at(0).pod().get();
  if (!p) throw std::runtime_error("not a pod: " + text);
  return *p;
}

CheckResult run(const Check& check, int minor, const kube::PodTemplate& p) {
  const VersionedCheck* active = nullptr;
  for (const auto& v : check.versions)
    if (v.minimumVersion.minor() <= minor) active = &v;
  if (!active) throw std::runtime_error(check.id + " does not exist at v1." + std::to_string(minor));
  return active->function(p.metadata, p.spec);
}

}  // namespace podsecurity::testing
