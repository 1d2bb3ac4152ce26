#pragma once
// kguard lint: every checker over every object of the input, offline.
#include <optional>
#include <string>
#include <vector>

#include "config/kguard_config.h"
#include "kube/manifest.h"
#include "lint/finding.h"

namespace lint {

struct LintOptions {
  std::optional<std::string> level;    // --level wins over namespace labels and config
  std::optional<std::string> version;  // --version likewise
  std::string defaultNamespace = "default";  // for objects that name none (as `kubectl apply` without -n)
  config::KguardConfig config;
};

struct Result {
  size_t manifest;  // index into the manifests given to lintManifests
  Finding finding;
};

struct LintReport {
  std::vector<Result> results;
  bool hasViolations() const;  // any finding of severity Error
};

// Throws kube::InputError (naming the file, document, line and field) for objects that cannot be
// decoded, and for invalid --level/--version values.
LintReport lintManifests(const std::vector<kube::Manifest>& manifests, const LintOptions& options);

}  // namespace lint
