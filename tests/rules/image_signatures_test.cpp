// kguard.imageSignatures without a registry: glob matching, which images a policy covers, malformed
// references (fail closed), and that images matching no policy never reach a registry. The verdicts
// against a real registry are in tests/images/image_signatures_registry_test.cpp.
#include <catch2/catch.hpp>

#include <atomic>

#include "rules/image_signatures.h"
#include "rule_test_support.h"

using rules::imageGlobMatches;

TEST_CASE("image globs: * stays within a path segment, ** crosses segments") {
  CHECK(imageGlobMatches("registry.example.com/team/*", "registry.example.com/team/app"));
  CHECK_FALSE(imageGlobMatches("registry.example.com/team/*", "registry.example.com/team/sub/app"));
  CHECK(imageGlobMatches("registry.example.com/team/**", "registry.example.com/team/sub/app"));
  CHECK(imageGlobMatches("registry.example.com/team/**", "registry.example.com/team/app"));
  CHECK_FALSE(imageGlobMatches("registry.example.com/team/**", "registry.example.com/teamevil/app"));
  CHECK_FALSE(imageGlobMatches("registry.example.com/team/**", "registry.example.com/team"));
  CHECK(imageGlobMatches("*/library/nginx", "docker.io/library/nginx"));
  CHECK_FALSE(imageGlobMatches("*/nginx", "docker.io/library/nginx"));
  CHECK(imageGlobMatches("**", "docker.io/library/nginx"));
  CHECK(imageGlobMatches("127.0.0.1:*/team/app-*", "127.0.0.1:5000/team/app-web"));
  CHECK(imageGlobMatches("docker.io/library/nginx", "docker.io/library/nginx"));
  CHECK_FALSE(imageGlobMatches("docker.io/library/nginx", "docker.io/library/nginx2"));
  // Many stars cost time linear in glob x name, not exponential.
  CHECK_FALSE(imageGlobMatches(std::string(40, '*') + "x", std::string(200, 'a')));
}

namespace {

// A verifier whose every registry access is counted and fails: rules must not reach it for images no
// policy covers.
struct CountingVerifier {
  std::atomic<int> calls{0};
  images::VerificationCache cache{images::CosignVerifier([this](const std::string& /*host*/) {
    ++calls;
    images::RegistryOptions o;
    o.insecure = true;
    return std::make_shared<const images::RegistryClient>("127.0.0.1:1", o);  // nothing listens on port 1
  })};
};

std::vector<rules::ImageSignaturePolicy> teamPolicy() {
  rules::ImageSignaturePolicy p;
  p.images = {"registry.example.com/team/**", "docker.io/library/nginx"};
  p.keys.id = "rules.imageSignatures[0]";
  return {p};
}

}  // namespace

TEST_CASE("images matching no policy are not checked, and need no registry") {
  CountingVerifier v;
  auto pod = podFromYaml(
      "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: a, image: registry.example.com/other/app:1}\n"
      "  - {name: b, image: \"busybox\"}\n");
  CHECK(rules::checkImageSignatures(teamPolicy(), pod.spec, v.cache, images::Deadline::in(std::chrono::seconds(1))).empty());
  auto known = rules::imageSignaturesInMemory(teamPolicy(), pod.spec, v.cache);
  CHECK(known.allVerified);  // nothing to verify
  CHECK_FALSE(known.needsRegistry);
  CHECK(known.hits == 0);
  CHECK(v.calls == 0);
}

TEST_CASE("a covered image the registry cannot confirm is refused, naming container, image and why") {
  CountingVerifier v;
  // "nginx" is docker.io/library/nginx, as the kubelet resolves it: the short name is covered.
  auto pod = podFromYaml(
      "apiVersion: v1\nkind: Pod\nspec:\n  initContainers:\n  - {name: init, image: nginx}\n"
      "  containers:\n  - {name: app, image: registry.example.com/team/app@sha256:" + std::string(64, 'a') + "}\n");
  auto known = rules::imageSignaturesInMemory(teamPolicy(), pod.spec, v.cache);
  CHECK(known.needsRegistry);
  CHECK_FALSE(known.allVerified);
  CHECK(v.calls == 0);  // asked memory only
  auto findings = rules::checkImageSignatures(teamPolicy(), pod.spec, v.cache, images::Deadline::in(std::chrono::seconds(2)));
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].check == "kguard.imageSignatures");
  CHECK(findings[0].field == "spec.initContainers[0].image");
  // Whether it is signed is unknown: the finding says it could not be verified, not that it is unsigned.
  CHECK_THAT(findings[0].message, Catch::StartsWith("container \"init\" image \"nginx\" cannot be verified against the "
                                                     "keys of rules.imageSignatures[0]: registry unreachable: "));
  CHECK(findings[1].field == "spec.containers[0].image");
  CHECK_THAT(findings[1].message, Catch::Contains("container \"app\"") && Catch::Contains("registry unreachable"));
}

TEST_CASE("a policy covers its registry however the image spells the host: case, :443, leading zeros") {
  CountingVerifier v;
  // The runtime pulls each of these from registry.example.com:443 (host names are case-insensitive); left
  // uncovered, an unsigned image would pass by writing the host in capitals.
  for (const char* image : {"REGISTRY.EXAMPLE.COM/team/app:1", "Registry.example.com:443/team/app:1",
                            "registry.example.com:0443/team/app:1"}) {
    INFO(image);
    auto pod = podFromYaml(podWithImage(image));
    CHECK(rules::imageSignaturesInMemory(teamPolicy(), pod.spec, v.cache).needsRegistry);
  }
  // Another port is another server.
  auto other = podFromYaml(podWithImage("registry.example.com:5000/team/app:1"));
  CHECK_FALSE(rules::imageSignaturesInMemory(teamPolicy(), other.spec, v.cache).needsRegistry);
  CHECK(v.calls == 0);
}

TEST_CASE("a malformed image reference is refused without a registry (fail closed)") {
  CountingVerifier v;
  auto pod = podFromYaml(podWithImage("registry.example.com/team/App:1"));
  auto known = rules::imageSignaturesInMemory(teamPolicy(), pod.spec, v.cache);
  CHECK_FALSE(known.allVerified);  // the rule must run: it refuses the image
  CHECK_FALSE(known.needsRegistry);
  auto findings = rules::checkImageSignatures(teamPolicy(), pod.spec, v.cache, images::Deadline::in(std::chrono::seconds(1)));
  REQUIRE(findings.size() == 1);
  CHECK_THAT(findings[0].message, Catch::Contains("cannot check its signature"));
  CHECK(v.calls == 0);
}

TEST_CASE("image globs: runs of stars pair from the left (*** is ** then *)") {
  CHECK(imageGlobMatches("a/***", "a/b/c"));
  CHECK(imageGlobMatches("a/****/z", "a/b/c/z"));
  CHECK(imageGlobMatches("a/*/**", "a/b/c"));
  CHECK_FALSE(imageGlobMatches("a/*", "a/b/c"));
  CHECK_FALSE(imageGlobMatches("", "a"));
  CHECK(imageGlobMatches("", ""));
  // The literal prefix is compared first; what follows it is still matched in full.
  CHECK(imageGlobMatches("r.io/team/app", "r.io/team/app"));
  CHECK_FALSE(imageGlobMatches("r.io/team/app", "r.io/team/app2"));
  CHECK_FALSE(imageGlobMatches("r.io/team/app", "r.io/team"));
  CHECK(imageGlobMatches("r.io/team/**", "r.io/team/"));
  CHECK_FALSE(imageGlobMatches("r.io/team/*/x", "r.io/team/a/b/x"));
  CHECK(imageGlobMatches("r.io/team/**/x", "r.io/team/a/b/x"));
}
