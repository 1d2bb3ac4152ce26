#pragma once
// The Secrets a Pod or pod template names, read from its object once when the view is built (the
// decoded kube::PodSpec keeps no Secret names): what the data-protection checks judge.
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace audit {

struct SecretReference {
  enum class Via {
    EnvVar,            // env[].valueFrom.secretKeyRef
    EnvFrom,           // envFrom[].secretRef
    Volume,            // volumes[].secret
    ProjectedVolume,   // volumes[].projected.sources[].secret
  };
  Via via = Via::Volume;
  std::string secret;     // the Secret's name ("" when the reference names none)
  std::string field;      // "spec.containers[0].env[2]", "spec.template.spec.volumes[1].secret"
  std::string container;  // the container of an env reference, "" for volumes
  std::string envName;    // the variable of an EnvVar reference
  bool mounted() const { return via == Via::Volume || via == Via::ProjectedVolume; }
};

// Every reference of the pod at `templatePath` inside `object` ("" for a Pod, "spec.template", …), in
// the order of the object: containers of each kind (init, regular, ephemeral) and their env, then volumes.
std::vector<SecretReference> secretReferences(const nlohmann::json& object, const std::string& templatePath);

}  // namespace audit
