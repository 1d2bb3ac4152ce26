#pragma once
// kguard.imageSignatures: every image of a pod (init, regular and ephemeral containers; pod templates of
// workloads alike) whose name matches a policy of rules.imageSignatures must carry a cosign signature on
// its digest by one of that policy's keys. Unlike the table rules (rule_registry.h) it talks to
// registries, so callers give it a verifier and a deadline; images matching no policy are not checked.
#include <string>
#include <string_view>
#include <vector>

#include "images/deadline.h"
#include "images/verification_cache.h"
#include "kube/pod.h"
#include "findings/finding.h"
#include "rules/rules_config.h"

namespace rules {

inline constexpr const char* kImageSignaturesRule = "kguard.imageSignatures";

// `*` matches within one path segment (no '/'), `**` across segments; every other character is itself.
bool imageGlobMatches(std::string_view glob, std::string_view name);

// A finding per failing (container, policy): the container, its image, the status ("no signature", ...)
// and the verifier's reason. Every registry round trip shares `deadline`; an image named by several
// containers is resolved and verified once.
std::vector<findings::Finding> checkImageSignatures(const std::vector<ImageSignaturePolicy>& policies,
                                                const kube::PodSpec& spec, images::VerificationCache& verifier,
                                                const images::Deadline& deadline);

// What checking a pod's images would find out from memory alone (the webhook asks on its event loop,
// before it judges the request).
struct ImageSignaturesInMemory {
  // Every image under a policy is a digest verified before with that policy's keys: the rule would
  // find nothing. Then `hits` (image, policy) pairs were answered by the verifier's memory.
  bool allVerified = true;
  size_t hits = 0;
  // An image under a policy is a tag (resolved on every admission) or a digest not verified before.
  // (A malformed reference needs no registry: it is refused.)
  bool needsRegistry = false;
};
ImageSignaturesInMemory imageSignaturesInMemory(const std::vector<ImageSignaturePolicy>& policies,
                                                const kube::PodSpec& spec, images::VerificationCache& verifier);

}  // namespace rules
