#include <catch2/catch.hpp>

#include "rules/image_reference.h"

using rules::parseImageReference;

TEST_CASE("image references normalize as the container runtime does") {
  auto nginx = parseImageReference("nginx");
  CHECK(nginx.name() == "docker.io/library/nginx");
  CHECK(nginx.tag.empty());
  auto user = parseImageReference("acme/app:1.2");
  CHECK(user.name() == "docker.io/acme/app");
  CHECK(user.tag == "1.2");
  auto port = parseImageReference("localhost:5000/app");
  CHECK(port.registry == "localhost:5000");
  CHECK(port.tag.empty());  // the ':' belongs to the registry's port, not a tag
  auto pinned = parseImageReference("registry.k8s.io/pause:3.9@sha256:abc");
  CHECK(pinned.registry == "registry.k8s.io");
  CHECK(pinned.tag == "3.9");
  CHECK(pinned.digest == "sha256:abc");
  CHECK(parseImageReference("index.docker.io/library/busybox").name() == "docker.io/library/busybox");
  // Allow-list entries are matched against the normalized name, in place and by whole path segments.
  CHECK(nginx.nameIsUnder("docker.io"));
  CHECK(nginx.nameIsUnder("docker.io/library"));
  CHECK(nginx.nameIsUnder("docker.io/library/nginx"));
  CHECK_FALSE(nginx.nameIsUnder("docker.io/lib"));
  CHECK_FALSE(nginx.nameIsUnder("docker.io/library/nginx2"));
  CHECK_FALSE(nginx.nameIsUnder("docker.io/library/nginx/"));
  CHECK_FALSE(nginx.nameIsUnder(""));
  CHECK(port.nameIsUnder("localhost:5000/app"));
  CHECK_FALSE(port.nameIsUnder("localhost:500"));
  CHECK_FALSE(user.nameIsUnder("docker.io/library"));
}

TEST_CASE("image references: nameIsUnder agrees with name() for every prefix") {
  const char* images[] = {"nginx", "nginx:1.25", "acme/app:v1@sha256:abc", "registry.example.com/shop/checkout-api:2.14.3",
                          "localhost/app", "localhost:5000/app:1", "host:1/a/b:c@d@e", "/x", "x/", "", "@",
                          "index.docker.io/library/busybox", "reg.io:443/ns/app:1.0"};
  for (const char* text : images) {
    const auto ref = rules::parseImageReference(text);
    const std::string name = ref.name();
    // Every prefix of the name, with a '/' added, and the name with more after it, as an allow-list path.
    for (size_t n = 0; n <= name.size(); ++n)
      for (const std::string& path : {name.substr(0, n), name.substr(0, n) + "/", name + "x"}) {
        INFO(text << " under " << path);
        const bool under = name == path || (name.size() > path.size() && name.compare(0, path.size(), path) == 0 &&
                                            name[path.size()] == '/');
        CHECK(ref.nameIsUnder(path) == under);
      }
  }
}
