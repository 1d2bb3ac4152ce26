#pragma once
// Container image references as the container runtime resolves them (distribution/reference's
// normalization): "nginx" is docker.io/library/nginx:latest. Lenient: this reading never fails (the rules
// judge whatever name results); images/image_reference.h is the strict grammar the verifier needs.
#include <string>
#include <string_view>

namespace rules {

// Views into the image text it was parsed from, which must outlive it: parsing allocates nothing, as it
// runs for every container of every admission request, in several rules.
struct ImageReference {
  std::string_view registry;    // "docker.io", "registry.k8s.io", "localhost:5000"
  std::string_view repository;  // as written: "nginx" for a Docker Hub short name, "acme/app"
  bool library = false;         // a Docker Hub short name, whose repository is library/<repository>
  std::string_view tag;         // empty when absent
  std::string_view digest;      // "sha256:…" when pinned, else empty

  // registry/repository ("docker.io/library/nginx"): the name allow-lists are matched against.
  std::string name() const;
  // True when name() is `path` or lies under it: "ghcr.io/acme" covers ghcr.io/acme/app, not
  // ghcr.io/acmeevil/app. Compared in place.
  bool nameIsUnder(std::string_view path) const;
};

// The result views `image`: keep the text alive as long as the reference.
ImageReference parseImageReference(std::string_view image);

}  // namespace rules
