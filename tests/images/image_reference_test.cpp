// Image references read as the kubelet/containerd read them (github.com/distribution/reference):
// normalization of Docker Hub short names, host detection, default tag, digests, and refusals.
#include <catch2/catch.hpp>

#include <string>

#include "images/image_reference.h"

using images::ImageReference;
using images::parseImageReference;

namespace {
const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

void check(const std::string& text, const std::string& registry, const std::string& repository,
           const std::string& tag, const std::string& digest) {
  INFO(text);
  ImageReference ref = parseImageReference(text);
  CHECK(ref.registry == registry);
  CHECK(ref.repository == repository);
  CHECK(ref.tag == tag);
  CHECK(ref.digest == digest);
}

std::string errorOf(const std::string& text) {
  try {
    parseImageReference(text);
  } catch (const images::ImageReferenceError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("Docker Hub short names normalize as ParseNormalizedNamed does") {
  check("nginx", "docker.io", "library/nginx", "latest", "");
  check("nginx:1.25", "docker.io", "library/nginx", "1.25", "");
  check("user/app", "docker.io", "user/app", "latest", "");
  check("user/team/app:v1", "docker.io", "user/team/app", "v1", "");
  check("docker.io/nginx", "docker.io", "library/nginx", "latest", "");
  check("index.docker.io/library/nginx", "docker.io", "library/nginx", "latest", "");
  CHECK(parseImageReference("nginx").toString() == "docker.io/library/nginx:latest");
  CHECK(parseImageReference("nginx").apiHost() == "registry-1.docker.io");
}

TEST_CASE("the first component is a registry host only with '.', ':', localhost or upper case") {
  check("registry.example.com/team/app", "registry.example.com", "team/app", "latest", "");
  check("localhost/app", "localhost", "app", "latest", "");
  check("localhost:5000/app:dev", "localhost:5000", "app", "dev", "");
  check("127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "latest", "");
  check("[::1]:5000/app", "[::1]:5000", "app", "latest", "");
  check("Registry/app", "Registry", "app", "latest", "");
  check("myhost/app", "docker.io", "myhost/app", "latest", "");
  CHECK(parseImageReference("registry.example.com/app").apiHost() == "registry.example.com");
}

TEST_CASE("digests: alone, with a tag, and the decision reference") {
  check("nginx@sha256:" + kHex, "docker.io", "library/nginx", "", "sha256:" + kHex);
  check("r.io:443/a/b:v2@sha256:" + kHex, "r.io:443", "a/b", "v2", "sha256:" + kHex);
  ImageReference both = parseImageReference("r.io/a:v2@sha256:" + kHex);
  CHECK(both.reference() == "sha256:" + kHex);
  CHECK(both.toString() == "r.io/a:v2@sha256:" + kHex);
  CHECK(parseImageReference("r.io/a:v2").reference() == "v2");
}

TEST_CASE("separators inside path components follow the reference grammar") {
  check("r.io/a.b/c_d/e__f/g-h/i---j", "r.io", "a.b/c_d/e__f/g-h/i---j", "latest", "");
  CHECK_THAT(errorOf("r.io/a..b"), Catch::Contains("path component \"a..b\""));
  CHECK_THAT(errorOf("r.io/a___b"), Catch::Contains("path component"));
  CHECK_THAT(errorOf("r.io/-a"), Catch::Contains("path component \"-a\""));
  CHECK_THAT(errorOf("r.io/a/"), Catch::Contains("path component \"\""));
}

TEST_CASE("malformed references are refused with the reason") {
  CHECK_THAT(errorOf(""), Catch::Contains("empty"));
  CHECK_THAT(errorOf("Nginx"), Catch::Contains("must be lowercase"));
  CHECK_THAT(errorOf("r.io/App"), Catch::Contains("must be lowercase"));
  CHECK_THAT(errorOf("nginx:"), Catch::Contains("tag \"\""));
  CHECK_THAT(errorOf("nginx:-x"), Catch::Contains("tag \"-x\""));
  CHECK_THAT(errorOf("nginx:" + std::string(129, 'a')), Catch::Contains("up to 128"));
  CHECK_THAT(errorOf("nginx@sha256:abc"), Catch::Contains("64 lowercase hex"));
  CHECK_THAT(errorOf("nginx@sha256:" + std::string(64, 'A')), Catch::Contains("64 lowercase hex"));
  CHECK_THAT(errorOf("nginx@sha512:" + kHex + kHex), Catch::Contains("only sha256"));
  CHECK_THAT(errorOf("nginx@"), Catch::Contains("only sha256"));
  CHECK_THAT(errorOf("ngi nx"), Catch::Contains("whitespace"));
  CHECK_THAT(errorOf(":tag"), Catch::Contains("missing repository"));
  CHECK_THAT(errorOf("bad_host.io:x/app"), Catch::Contains("registry host \"bad_host.io:x\""));
  CHECK_THAT(errorOf("a-.io/app"), Catch::Contains("registry host \"a-.io\""));
  CHECK_THAT(errorOf("r.io:/app"), Catch::Contains("registry host"));
  CHECK_THAT(errorOf("r.io/" + std::string(260, 'a')), Catch::Contains("longer than 255"));
}
