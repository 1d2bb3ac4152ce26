// kguard.allowedRegistries: every image must come from a registry (or registry/path prefix) on the
// allow-list. Names are normalized as the container runtime does, so "nginx" is docker.io/library/nginx
// and cannot slip past a list that does not include docker.io.
#include <string_view>

#include "rules/image_reference.h"
#include "rules/rule_registry.h"

namespace rules {
namespace {

// "ghcr.io/acme" (or "ghcr.io/acme/") allows ghcr.io/acme/app but not ghcr.io/acmeevil/app.
bool allowedBy(const ImageReference& image, std::string_view entry) {
  while (!entry.empty() && entry.back() == '/') entry.remove_suffix(1);
  return image.nameIsUnder(entry);
}

}  // namespace

std::vector<findings::Finding> checkAllowedRegistries(const RulesConfig& config, const PodContext& ctx) {
  std::vector<findings::Finding> out;
  if (config.allowedRegistries.empty()) return out;
  visitImages(ctx, [&](const kube::Container& c, const ImageReference& image) {
    for (const auto& entry : config.allowedRegistries)
      if (allowedBy(image, entry)) return;
    addKguardFinding(out, "kguard.allowedRegistries",
                     "container \"" + c.name + "\" image \"" + c.image + "\" (" + image.name() +
                         ") is not from an allowed registry",
                     containerField(ctx.pod.spec, c) + ".image");
  });
  return out;
}

}  // namespace rules
