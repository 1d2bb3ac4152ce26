#pragma once
// Resolution of plain YAML scalars to JSON values the way kubectl reads manifests (sigs.k8s.io/yaml on
// go-yaml v2, i.e. YAML 1.1: `yes`/`on` are booleans, `0x1F` is an integer, `~` is null).
#include <string>

#include <nlohmann/json.hpp>

namespace kube {

// Value of an unquoted (plain) scalar.
nlohmann::json resolvePlainScalar(const std::string& text);

// Value of a scalar carrying an explicit tag such as "tag:yaml.org,2002:int"; falls back to a
// string for tags kguard does not know.
nlohmann::json resolveTaggedScalar(const std::string& text, const std::string& tag);

}  // namespace kube
