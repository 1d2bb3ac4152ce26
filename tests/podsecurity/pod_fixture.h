#pragma once
// Test pods written as YAML and decoded by kube/ exactly as kguard decodes real manifests, plus a
// way to run one check at one policy version through its version table.
#include <string>

#include "kube/pod.h"
#include "podsecurity/check.h"

namespace podsecurity::testing {

// The pod of a one-document manifest; `spec` and `metadata` are YAML flow or block text.
kube::PodTemplate pod(const std::string& specYaml, const std::string& metadataYaml = "{}");

// Runs the version of `check` in force at v1.<minor> (the last entry whose minimum is <= minor).
CheckResult run(const Check& check, int minor, const kube::PodTemplate& pod);

}  // namespace podsecurity::testing
