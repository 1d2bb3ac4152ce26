#include "rules/image_signatures.h"

#include <algorithm>

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

// Dynamic programming over (glob position, name position), one row per glob position kept: time linear in
// glob x name with no backtracking blowup. It runs for every image of every admission, so the two rows
// are reused per thread rather than allocated per call.
bool imageGlobMatches(const std::string& glob, const std::string& name) {
  const size_t n = name.size();
  thread_local std::vector<char> next, cur;  // next[j]: glob[i+1..] (or i+2 after **) matches name[j..]
  next.assign(n + 1, 0);
  cur.assign(n + 1, 0);
  next[n] = 1;  // the empty glob matches the empty rest
  // Tokens right to left; "**" is one token of two characters, stars paired from the left ("***" = "**" "*").
  size_t i = glob.size();
  while (i > 0) {
    size_t tokenStart = i - 1;
    bool doubleStar = false;
    if (glob[tokenStart] == '*' && tokenStart > 0 && glob[tokenStart - 1] == '*') {
      // Pair stars from the left: "***" is "**" then "*". Count the run of stars ending here.
      size_t run = 0;
      while (run < i && glob[i - 1 - run] == '*') ++run;
      if (run % 2 == 0) {
        doubleStar = true;
        tokenStart = i - 2;
      }
    }
    const bool star = glob[i - 1] == '*';
    for (size_t j = n + 1; j-- > 0;) {
      if (star) {
        bool more = j < n && (doubleStar || name[j] != '/') && cur[j + 1];
        cur[j] = next[j] || more;
      } else {
        cur[j] = j < n && glob[i - 1] == name[j] && next[j + 1];
      }
    }
    std::swap(next, cur);
    i = tokenStart;
  }
  return next[0];
}

std::vector<findings::Finding> checkImageSignatures(const std::vector<ImageSignaturePolicy>& policies,
                                                const kube::PodSpec& spec, images::VerificationCache& verifier,
                                                const images::Deadline& deadline) {
  std::vector<findings::Finding> out;
  if (policies.empty()) return out;
  // (image text, policy) -> result, so that an image in several containers costs one verification.
  std::vector<std::pair<std::pair<const std::string*, const ImageSignaturePolicy*>, images::VerifyResult>> done;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.image.empty()) return;  // templates may leave it to a later mutation; pods require it (API validation)
    auto field = [&] { return containerField(spec, c) + ".image"; };
    auto who = [&] { return "container \"" + c.name + "\" image \"" + c.image + "\""; };
    images::ImageReference ref;
    std::vector<const ImageSignaturePolicy*> matching;
    try {
      ref = images::parseImageReference(c.image);
      matching = policiesFor(policies, ref);
    } catch (const images::ImageReferenceError& e) {
      // Which policy it falls under cannot be known: fail closed.
      out.push_back(kguardFinding(kImageSignaturesRule, who() + ": cannot check its signature: " + e.what(), field()));
      return;
    }
    for (const ImageSignaturePolicy* policy : matching) {
      if (verifier.verifiedInMemory(ref, policy->keys, /*countHit=*/true)) continue;  // the common case
      auto found = std::find_if(done.begin(), done.end(),
                                [&](const auto& d) { return *d.first.first == c.image && d.first.second == policy; });
      if (found == done.end()) {
        done.push_back({{&c.image, policy}, verifier.verify(ref, policy->keys, deadline)});
        found = done.end() - 1;
      }
      const images::VerifyResult& r = found->second;
      if (r.verified()) continue;
      std::string digest = r.digest.empty() || r.digest == ref.digest ? "" : " (" + r.digest + ")";
      out.push_back(kguardFinding(kImageSignaturesRule,
                                  who() + digest + " is not signed by a key of " + policy->keys.id + ": " +
                                      images::toString(r.status) + ": " + r.reason,
                                  field()));
    }
  });
  return out;
}

bool imageSignaturesKnown(const std::vector<ImageSignaturePolicy>& policies, const std::vector<std::string>& images,
                          images::VerificationCache& verifier) {
  for (const auto& image : images) {
    if (image.empty()) continue;
    try {
      images::ImageReference ref = images::parseImageReference(image);
      for (const ImageSignaturePolicy* policy : policiesFor(policies, ref))
        if (!verifier.verifiedInMemory(ref, policy->keys)) return false;
    } catch (const images::ImageReferenceError&) {
      // Refused without the registry.
    }
  }
  return true;
}

}  // namespace rules
