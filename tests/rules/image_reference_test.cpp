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
  // A first component with an upper-case letter is a host (distribution/reference): the runtime pulls
  // `Evil/app` from host "Evil", so an allow-list naming docker.io must not cover it.
  auto upper = parseImageReference("Evil/app:1");
  CHECK(upper.registry == "Evil");
  CHECK(upper.name() == "Evil/app");
  CHECK_FALSE(upper.nameIsUnder("docker.io"));
  CHECK(parseImageReference("acme/App").registry == "docker.io");  // only the first component can be a host
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

namespace {

// The reading spelled out with rfind and find_first_of (as the rule first did): the parser must agree.
rules::ImageReference stepByStep(std::string_view image) {
  constexpr auto npos = std::string_view::npos;
  rules::ImageReference ref;
  std::string_view rest = image;
  if (auto at = rest.find('@'); at != npos) ref.digest = rest.substr(at + 1), rest = rest.substr(0, at);
  auto lastSlash = rest.rfind('/'), colon = rest.rfind(':');
  if (colon != npos && (lastSlash == npos || colon > lastSlash)) ref.tag = rest.substr(colon + 1), rest = rest.substr(0, colon);
  auto firstSlash = rest.find('/');
  std::string_view first = firstSlash == npos ? std::string_view() : rest.substr(0, firstSlash);
  if (!first.empty() && (first.find_first_of(".:") != npos || first == "localhost"))
    ref.registry = first, ref.repository = rest.substr(firstSlash + 1);
  else
    ref.registry = "docker.io", ref.repository = rest, ref.library = firstSlash == npos;
  if (ref.registry == "index.docker.io") ref.registry = "docker.io";
  return ref;
}

}  // namespace

TEST_CASE("image references: the parser agrees with the step-by-step reading on odd names") {
  for (const char* text : {"nginx", "nginx:1.25", "nginx@sha256:abc", "acme/app", "acme/app:v1@sha256:abc",
                           "registry.example.com/shop/checkout-api:2.14.3", "localhost/app", "localhost:5000/app:1",
                           "localhost:5000", "host:1/a/b:c@d@e", "a.b/c:d/e", "a:b@c/d", "a/b:c/d:e", "/x", "x/", ":x/y",
                           "", "@", ":", "/", "index.docker.io/library/busybox", "index.docker.io/acme/app:1"}) {
    INFO(text);
    const auto got = rules::parseImageReference(text);
    const auto want = stepByStep(text);
    CHECK(got.registry == want.registry);
    CHECK(got.repository == want.repository);
    CHECK(got.library == want.library);
    CHECK(got.tag == want.tag);
    CHECK(got.digest == want.digest);
  }
}
