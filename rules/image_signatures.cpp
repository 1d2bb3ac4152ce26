#include "rules/image_signatures.h"

#include <map>

#include "images/image_reference.h"
#include "rules/rule_registry.h"

namespace rules {
namespace {

// The policies an image falls under; throws images::ImageReferenceError for a malformed reference.
std::vector<const ImageSignaturePolicy*> policiesFor(const std::vector<ImageSignaturePolicy>& policies,
                                                     const images::ImageReference& ref) {
  const std::string name = ref.registry + "/" + ref.repository;
  std::vector<const ImageSignaturePolicy*> out;
  for (const auto& p : policies)
    for (const auto& glob : p.images)
      if (imageGlobMatches(glob, name)) {
        out.push_back(&p);
        break;
      }
  return out;
}

}  // namespace

// Dynamic programming over (glob position, name position): linear in their product, no backtracking blowup.
bool imageGlobMatches(const std::string& glob, const std::string& name) {
  const size_t g = glob.size(), n = name.size();
  // match[i][j]: glob[i..] matches name[j..].
  std::vector<std::vector<char>> match(g + 1, std::vector<char>(n + 1, 0));
  match[g][n] = 1;
  for (size_t i = g; i-- > 0;) {
    const bool star = glob[i] == '*';
    const bool doubleStar = star && i + 1 < g && glob[i + 1] == '*';
    const size_t next = doubleStar ? i + 2 : i + 1;
    for (size_t j = n + 1; j-- > 0;) {
      if (star) {
        // Match nothing, or one more character (not '/' unless **).
        bool more = j < n && (doubleStar || name[j] != '/') && match[i][j + 1];
        match[i][j] = match[next][j] || more;
      } else {
        match[i][j] = j < n && glob[i] == name[j] && match[i + 1][j + 1];
      }
    }
  }
  return match[0][0];
}

std::vector<findings::Finding> checkImageSignatures(const std::vector<ImageSignaturePolicy>& policies,
                                                const kube::PodSpec& spec, images::VerificationCache& verifier,
                                                const images::Deadline& deadline) {
  std::vector<findings::Finding> out;
  if (policies.empty()) return out;
  // (image text, policy) -> result, so that an image in several containers costs one verification.
  std::map<std::pair<std::string, const ImageSignaturePolicy*>, images::VerifyResult> done;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.image.empty()) return;  // templates may leave it to a later mutation; pods require it (API validation)
    const std::string field = containerField(spec, c) + ".image";
    const std::string who = "container \"" + c.name + "\" image \"" + c.image + "\"";
    images::ImageReference ref;
    std::vector<const ImageSignaturePolicy*> matching;
    try {
      ref = images::parseImageReference(c.image);
      matching = policiesFor(policies, ref);
    } catch (const images::ImageReferenceError& e) {
      // Which policy it falls under cannot be known: fail closed.
      out.push_back(kguardFinding(kImageSignaturesRule, who + ": cannot check its signature: " + e.what(), field));
      return;
    }
    for (const ImageSignaturePolicy* policy : matching) {
      auto key = std::make_pair(c.image, policy);
      auto found = done.find(key);
      if (found == done.end()) found = done.emplace(key, verifier.verify(ref, policy->keys, deadline)).first;
      const images::VerifyResult& r = found->second;
      if (r.verified()) continue;
      std::string digest = r.digest.empty() || r.digest == ref.digest ? "" : " (" + r.digest + ")";
      out.push_back(kguardFinding(kImageSignaturesRule,
                                  who + digest + " is not signed by a key of " + policy->keys.id + ": " +
                                      images::toString(r.status) + ": " + r.reason,
                                  field));
    }
  });
  return out;
}

bool imageSignaturesKnown(const std::vector<ImageSignaturePolicy>& policies, const kube::PodSpec& spec,
                          images::VerificationCache& verifier) {
  if (policies.empty()) return true;
  bool known = true;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (!known || c.image.empty()) return;
    try {
      images::ImageReference ref = images::parseImageReference(c.image);
      for (const ImageSignaturePolicy* policy : policiesFor(policies, ref))
        if (!verifier.verifiedInMemory(ref, policy->keys)) known = false;
    } catch (const images::ImageReferenceError&) {
      // Refused without the registry.
    }
  });
  return known;
}

}  // namespace rules
