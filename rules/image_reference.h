#pragma once
// Container image references as the container runtime resolves them (distribution/reference's
// normalization): "nginx" is docker.io/library/nginx:latest.
#include <string>

namespace rules {

struct ImageReference {
  std::string registry;    // "docker.io", "registry.k8s.io", "localhost:5000"
  std::string repository;  // "library/nginx"
  std::string tag;         // empty when absent
  std::string digest;      // "sha256:…" when pinned, else empty

  // registry/repository: the name allow-lists are matched against.
  std::string name() const { return registry + "/" + repository; }
};

ImageReference parseImageReference(const std::string& image);

}  // namespace rules
