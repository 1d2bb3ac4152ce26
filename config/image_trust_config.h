#pragma once
// The image-trust parts of the configuration: rules.imageSignatures and the top-level registries.
// Keys, CA and credentials files are read at load time, so that a bad one fails at startup with the
// field named, never at the first admission. Relative paths are relative to the configuration file.
#include <string>
#include <vector>

#include "images/registry_clients.h"
#include "kube/json_reader.h"
#include "rules/rules_config.h"

namespace config {

std::vector<rules::ImageSignaturePolicy> parseImageSignatures(const kube::JsonReader& list, const std::string& baseDir);
std::vector<images::RegistryHost> parseRegistries(const kube::JsonReader& list, const std::string& baseDir);

}  // namespace config
