#pragma once
// Builds pods from YAML for rule tests, so each test reads like the manifest it is about.
#include <string>

#include "kube/manifest.h"
#include "findings/finding.h"

inline kube::PodTemplate podFromYaml(const std::string& yaml) {
  return *kube::parseManifests(yaml, "test.yaml").at(0).pod().get();
}

inline std::string podWithImage(const std::string& image) {
  return "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: app, image: \"" + image + "\"}]}";
}
