#include "rules/rule_registry.h"

#include <iterator>

namespace rules {

const std::vector<PodRule>& podRules() {
  static const std::vector<PodRule> table = {
      {"kguard.allowedRegistries", "images come only from allowed registries", checkAllowedRegistries},
      {"kguard.imageDigest", "images are pinned by digest", checkImageDigest},
      {"kguard.imageLatestTag", "images name a tag other than latest", checkLatestTag},
      {"kguard.resourceLimits", "containers set cpu and memory limits", checkResourceLimits},
      {"kguard.sandboxedRuntime", "sandboxed namespaces use a sandboxed RuntimeClass", checkSandboxedRuntime},
      {"kguard.automountServiceAccountToken", "no API token unless the pod needs the API", checkServiceAccountToken},
      {"kguard.readOnlyRootFilesystem", "containers have a read-only root filesystem", checkReadOnlyRootFilesystem},
  };
  return table;
}

std::vector<findings::Finding> evaluatePodRules(const RulesConfig& config, const PodContext& context) {
  // Up to three rules read every image: parse each once (the webhook runs this on every admission).
  PodContext withImages{context.pod, context.namespaceLabels, context.accountAutomount, context.afterServiceAccountAdmission};
  if (!config.allowedRegistries.empty() || config.requireImageDigest || config.disallowLatestTag) {
    const auto& spec = context.pod.spec;
    withImages.images.reserve(spec.initContainers.size() + spec.containers.size() + spec.ephemeralContainers.size());
    kube::visitContainers(context.pod.spec,
                          [&](const kube::Container& c) { withImages.images.push_back(parseImageReference(c.image)); });
  }
  std::vector<findings::Finding> all;
  for (const auto& rule : podRules()) {
    auto found = rule.check(config, withImages);
    if (all.empty()) all = std::move(found);
    else all.insert(all.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return all;
}

std::string containerField(const kube::PodSpec& spec, const kube::Container& container) {
  const std::vector<kube::Container>* list = &spec.containers;
  const char* name = "containers";
  if (container.kind == kube::ContainerKind::Init) list = &spec.initContainers, name = "initContainers";
  if (container.kind == kube::ContainerKind::Ephemeral) list = &spec.ephemeralContainers, name = "ephemeralContainers";
  size_t index = static_cast<size_t>(&container - list->data());
  return std::string("spec.") + name + "[" + std::to_string(index) + "]";
}

void addKguardFinding(std::vector<findings::Finding>& out, const char* id, std::string message, std::string field) {
  findings::Finding& f = out.emplace_back();
  f.check = id;
  f.level = "kguard";
  f.message = std::move(message);
  f.field = std::move(field);
}

}  // namespace rules
