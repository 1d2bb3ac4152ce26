#pragma once
// kguard lint: every checker over every object of the input, offline.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/kguard_config.h"
#include "images/verification_cache.h"
#include "kube/manifest.h"
#include "findings/finding.h"

namespace lint {

using findings::Enforcement;
using findings::Finding;

struct LintOptions {
  std::optional<std::string> level;    // --level wins over namespace labels and config
  std::optional<std::string> version;  // --version likewise
  std::string defaultNamespace = "default";  // for objects that name none (as `kubectl apply` without -n)
  bool namespaceFromFlag = false;            // defaultNamespace came from -n: reports then name it
  config::KguardConfig config;
  // --verify-images: rules.imageSignatures checked against the registries with this verifier; null =
  // offline (no network call, the rule is not evaluated).
  images::VerificationCache* imageVerifier = nullptr;
};

struct Result {
  size_t manifest;  // index into the manifests given to lintManifests
  Finding finding;
  std::string assumedNamespace;  // the -n namespace judged with, for an object that names none; else empty
};

struct LintReport {
  std::vector<Result> results;
  // Input that could not be judged, each naming the file, document, line and field: objects that do not
  // decode here, unreadable files from loading (kube::LoadProblems). Any of them means exit 2.
  std::vector<std::string> errors;
  std::set<size_t> undecoded;        // objects read that did not decode (named in errors): not judged
  std::vector<std::string> skipped;  // documents in folders that are no Kubernetes object (notes only)
  std::vector<size_t> notEvaluated;  // objects read but of a kind no check applies to (CRDs, ConfigMaps, ...)
  // Objects (some of) whose checks were skipped because config podSecurity.exemptions exempts them as the
  // webhook does: "namespace kube-system" (Pod Security and kguard rules) or "runtimeClass kata" (Pod
  // Security only). Usernames cannot apply offline: lint has no requesting user.
  std::vector<std::pair<size_t, std::string>> exempt;
  bool hasViolations() const;  // any finding of enforcement Error
  // Objects some check applies to and that decoded: what "no violations in N objects" counts.
  size_t judged(size_t manifests) const;
};

// Objects that cannot be decoded become report.errors, the others are still judged. Throws
// kube::InputError for invalid --level/--version values.
LintReport lintManifests(const std::vector<kube::Manifest>& manifests, const LintOptions& options);

}  // namespace lint
