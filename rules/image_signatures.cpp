#include "rules/image_signatures.h"

#include <algorithm>

#include "images/image_reference.h"
#include "rules/rule_registry.h"

namespace rules {
namespace {

// Calls visit(policy) for each policy whose globs match the image's name (registry/repository), as
// written or with its registry canonical (images::canonicalRegistry): matching more can only add checks. (The
// config makes the registry part of the globs canonical.)
template <typename Visit>
void forEachPolicyOf(const std::vector<ImageSignaturePolicy>& policies, const images::ImageReference& ref, Visit visit) {
  std::string name;
  name.reserve(ref.registry.size() + 1 + ref.repository.size());
  name.append(ref.registry).append("/").append(ref.repository);
  const std::string canonicalHost = images::canonicalRegistry(ref.registry);
  const std::string canonical = canonicalHost == ref.registry ? std::string() : canonicalHost + "/" + ref.repository;
  for (const auto& p : policies)
    for (const auto& glob : p.images)
      if (imageGlobMatches(glob, name) || (!canonical.empty() && imageGlobMatches(glob, canonical))) {
        visit(p);
        break;
      }
}

// Dynamic programming over (glob position, name position), one row per glob position kept: time linear in
// glob x name with no backtracking blowup. The two rows are reused per thread rather than allocated per call.
bool globMatchesTable(std::string_view glob, std::string_view name) {
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

}  // namespace

// It runs for every image of every admission under a policy: the literal text before the first star
// decides most globs ("registry.example.com/team/**") without the table.
bool imageGlobMatches(std::string_view glob, std::string_view name) {
  const size_t literal = std::min(glob.find('*'), glob.size());
  if (name.substr(0, literal) != glob.substr(0, literal)) return false;
  glob.remove_prefix(literal);
  name.remove_prefix(literal);
  if (glob.empty()) return name.empty();
  if (glob == "**") return true;
  return globMatchesTable(glob, name);
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
    try {
      ref = images::parseImageReference(c.image);
    } catch (const images::ImageReferenceError& e) {
      // Which policy it falls under cannot be known: fail closed.
      addKguardFinding(out, kImageSignaturesRule, who() + ": cannot check its signature: " + e.what(), field());
      return;
    }
    forEachPolicyOf(policies, ref, [&](const ImageSignaturePolicy& p) {
      const ImageSignaturePolicy* policy = &p;
      if (verifier.verifiedInMemory(ref, policy->keys)) {  // the common case
        verifier.countHits(1);
        return;
      }
      auto found = std::find_if(done.begin(), done.end(),
                                [&](const auto& d) { return *d.first.first == c.image && d.first.second == policy; });
      if (found == done.end()) {
        done.push_back({{&c.image, policy}, verifier.verify(ref, policy->keys, deadline)});
        found = done.end() - 1;
      }
      const images::VerifyResult& r = found->second;
      if (r.verified()) return;
      std::string digest = r.digest.empty() || r.digest == ref.digest ? "" : " (" + r.digest + ")";
      addKguardFinding(out, kImageSignaturesRule,
                       who() + digest +
                           (images::judgedSignatures(r.status) ? " is not signed by a key of "
                                                               : " cannot be verified against the keys of ") +
                           policy->keys.id + ": " + images::toString(r.status) + ": " + r.reason,
                       field());
    });
  });
  return out;
}

ImageSignaturesInMemory imageSignaturesInMemory(const std::vector<ImageSignaturePolicy>& policies,
                                                const kube::PodSpec& spec, images::VerificationCache& verifier) {
  ImageSignaturesInMemory out;
  if (policies.empty()) return out;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.image.empty()) return;
    try {
      images::ImageReference ref = images::parseImageReference(c.image);
      forEachPolicyOf(policies, ref, [&](const ImageSignaturePolicy& policy) {
        if (verifier.verifiedInMemory(ref, policy.keys)) {
          ++out.hits;
        } else {
          out.allVerified = false;
          out.needsRegistry = true;
        }
      });
    } catch (const images::ImageReferenceError&) {
      out.allVerified = false;  // refused without the registry
    }
  });
  return out;
}

}  // namespace rules
