#pragma once
// kguard.imageSignatures: every image of a pod (init, regular and ephemeral containers; pod templates of
// workloads alike) whose name matches a policy of rules.imageSignatures must carry a cosign signature on
// its digest by one of that policy's keys. Unlike the table rules (rule_registry.h) it talks to
// registries, so callers give it a verifier and a deadline; images matching no policy are not checked.
#include <string>
#include <vector>

#include "images/deadline.h"
#include "images/verification_cache.h"
#include "kube/pod.h"
#include "findings/finding.h"
#include "rules/rules_config.h"

namespace rules {

inline constexpr const char* kImageSignaturesRule = "kguard.imageSignatures";

// `*` matches within one path segment (no '/'), `**` across segments; every other character is itself.
bool imageGlobMatches(const std::string& glob, const std::string& name);

// A finding per failing (container, policy): the container, its image, the status ("no signature", ...)
// and the verifier's reason. Every registry round trip shares `deadline`; an image named by several
// containers is resolved and verified once.
std::vector<findings::Finding> checkImageSignatures(const std::vector<ImageSignaturePolicy>& policies,
                                                const kube::PodSpec& spec, images::VerificationCache& verifier,
                                                const images::Deadline& deadline);

// True when checking these images (as containers name them) would need no registry: every image that
// matches a policy is a digest reference verified before (the webhook then judges on its event loop).
bool imageSignaturesKnown(const std::vector<ImageSignaturePolicy>& policies, const std::vector<std::string>& images,
                          images::VerificationCache& verifier);

}  // namespace rules
