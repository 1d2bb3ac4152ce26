// kguard.imageDigest and kguard.imageLatestTag: a tag can be moved to other content at any time; only a
// digest names exactly the image that was reviewed. An image without a tag means ":latest".
#include "rules/image_reference.h"
#include "rules/rule_registry.h"

namespace rules {

std::vector<findings::Finding> checkImageDigest(const RulesConfig& config, const PodContext& ctx) {
  std::vector<findings::Finding> out;
  if (!config.requireImageDigest) return out;
  visitImages(ctx, [&](const kube::Container& c, const ImageReference& image) {
    if (!image.digest.empty()) return;
    addKguardFinding(out, "kguard.imageDigest",
                     "container \"" + c.name + "\" image \"" + c.image + "\" must be pinned by digest (@sha256:...)",
                     containerField(ctx.pod.spec, c) + ".image");
  });
  return out;
}

std::vector<findings::Finding> checkLatestTag(const RulesConfig& config, const PodContext& ctx) {
  std::vector<findings::Finding> out;
  if (!config.disallowLatestTag) return out;
  visitImages(ctx, [&](const kube::Container& c, const ImageReference& ref) {
    if (!ref.digest.empty()) return;  // a digest pins the content whatever the tag says
    if (!ref.tag.empty() && ref.tag != "latest") return;
    const char* why = ref.tag.empty() ? "has no tag (means :latest)" : "uses the :latest tag";
    addKguardFinding(out, "kguard.imageLatestTag",
                     "container \"" + c.name + "\" image \"" + c.image + "\" " + why,
                     containerField(ctx.pod.spec, c) + ".image");
  });
  return out;
}

}  // namespace rules
