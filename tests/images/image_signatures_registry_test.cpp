// kguard.imageSignatures and its verification cache against a real registry (registry_e2e.py): the rule
// over multi-container and init-container pods, each key type, the cache's bound, singleflight, and a
// registry outage with digests cached (admitted) and not (refused, fast).
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry_fixture.h"
#include "images/registry_clients.h"
#include "images/verification_cache.h"
#include "kube/manifest.h"
#include "kube/pod_decode.h"
#include "rules/image_signatures.h"

using namespace images;
using std::chrono::milliseconds;

namespace {

const nlohmann::json& fixture() { return registryFixture(); }

std::string host(const std::string& registry) { return fixture()[registry]["host"].get<std::string>(); }
std::string digest(const std::string& registry, const std::string& image) {
  return fixture()[registry]["digests"][image].get<std::string>();
}

TrustedKeys keys(const std::string& id, std::vector<std::string> names) {
  TrustedKeys out{id, {}};
  for (const auto& n : names) out.keys.push_back(PublicKey::fromFile(fixture()["keys"][n].get<std::string>()));
  return out;
}

// Every fixture registry over plain HTTP except "https" (test CA), as the configuration's registries.
std::vector<RegistryHost> registryHosts() {
  std::vector<RegistryHost> out;
  for (const char* name : {"plain", "token", "outage"}) {
    RegistryHost h{host(name), {}};
    h.options.insecure = true;
    out.push_back(h);
  }
  RegistryHost https{host("https"), {}};
  https.options.caFile = fixture()["ca"].get<std::string>();
  out.push_back(https);
  return out;
}

struct Verifier {
  RegistryClients clients{registryHosts()};
  VerificationMetrics metrics;
  VerificationCache cache;
  explicit Verifier(size_t capacity = VerificationCache::kDefaultCapacity)
      : cache(CosignVerifier([this](const std::string& h) { return clients.forHost(h); }), capacity, &metrics) {}
};

rules::ImageSignaturePolicy policy(const std::string& id, std::vector<std::string> globs, std::vector<std::string> keyNames) {
  return {std::move(globs), keys(id, std::move(keyNames))};
}

kube::PodSpec podSpec(const std::string& yaml) {
  return kube::parseManifests("apiVersion: v1\nkind: Pod\nspec:\n" + yaml, "pod.yaml").at(0).pod().get()->spec;
}

std::vector<findings::Finding> check(const std::vector<rules::ImageSignaturePolicy>& policies, const kube::PodSpec& spec,
                                 VerificationCache& cache, milliseconds budget = milliseconds(5000)) {
  auto found = rules::checkImageSignatures(policies, spec, cache, Deadline::in(budget));
  for (const auto& f : found) UNSCOPED_INFO(f.field << ": " << f.message);
  return found;
}

}  // namespace

TEST_CASE("the rule over a multi-container pod names each failing container, its image and why") {
  Verifier v;
  const std::string plain = host("plain");
  std::vector<rules::ImageSignaturePolicy> policies{policy("rules.imageSignatures[0]", {plain + "/team/**"}, {"p256"})};
  auto spec = podSpec("  initContainers:\n  - {name: init, image: " + plain + "/team/signed:v1}\n"
                      "  - {name: init-unsigned, image: " + plain + "/team/unsigned:v1}\n"
                      "  containers:\n"
                      "  - {name: by-digest, image: " + plain + "/team/signed@" + digest("plain", "signed") + "}\n"
                      "  - {name: other-key, image: " + plain + "/team/other-key:v1}\n"
                      "  - {name: other-digest, image: " + plain + "/team/names-other-digest:v1}\n"
                      "  - {name: tampered, image: " + plain + "/team/tampered:v1}\n"
                      "  - {name: missing, image: " + plain + "/team/signed:no-such-tag}\n"
                      "  - {name: unmatched, image: " + host("https") + "/team/unsigned:v1}\n"
                      "  - {name: again, image: " + plain + "/team/unsigned:v1}\n");
  auto found = check(policies, spec, v.cache);
  REQUIRE(found.size() == 6);
  auto expect = [&](size_t i, const std::string& field, const std::string& container, const std::string& why,
                    const char* verdict = "is not signed by a key of") {
    INFO(found[i].message);
    CHECK(found[i].field == field);
    CHECK_THAT(found[i].message, Catch::StartsWith("container \"" + container + "\" image \"") &&
                                        Catch::Contains(std::string(verdict) + " rules.imageSignatures[0]: " + why));
  };
  expect(0, "spec.initContainers[1].image", "init-unsigned", "no signature: ");
  expect(1, "spec.containers[1].image", "other-key", "no key matched: ");
  expect(2, "spec.containers[2].image", "other-digest", "payload names another digest: ");
  expect(3, "spec.containers[3].image", "tampered", "tampered payload: ");
  expect(4, "spec.containers[4].image", "missing", "image not found: ", "cannot be verified against the keys of");
  expect(5, "spec.containers[6].image", "again", "no signature: ");
  // A tag's finding names the digest it resolved to.
  CHECK_THAT(found[0].message, Catch::Contains("(" + digest("plain", "unsigned") + ")"));
  // The same image in two containers was verified once; the unmatched image not at all.
  CHECK(v.metrics.verifications.value({"no signature"}) == 1);
}

TEST_CASE("a registry's configuration applies however an image spells its host (a port's leading zeros)") {
  // 127.0.0.1:05000 is the server 127.0.0.1:5000 (the runtime dials port 5000): its `registries` entry
  // (plain HTTP here) applies; left unapplied, kguard spoke HTTPS to it and refused a signed image.
  Verifier v;
  const std::string plain = host("plain");
  const std::string zeroPort = plain.substr(0, plain.rfind(':') + 1) + "0" + plain.substr(plain.rfind(':') + 1);
  std::vector<rules::ImageSignaturePolicy> policies{policy("rules.imageSignatures[0]", {plain + "/team/**"}, {"p256"})};
  CHECK(check(policies, podSpec("  containers:\n  - {name: a, image: " + zeroPort + "/team/signed:v1}\n"), v.cache).empty());
  CHECK(v.clients.forHost(zeroPort) == v.clients.forHost(plain));  // one client (and token) per server
}

TEST_CASE("every policy an image matches must be satisfied, each with its own keys") {
  Verifier v;
  const std::string plain = host("plain");
  std::vector<rules::ImageSignaturePolicy> policies{
      policy("rules.imageSignatures[0]", {plain + "/team/*"}, {"p256"}),
      policy("rules.imageSignatures[1]", {plain + "/team/two-*"}, {"p256-other"}),
      policy("rules.imageSignatures[2]", {plain + "/team/rsa"}, {"rsa"})};
  // two-signatures is signed by both keys: both policies pass.
  CHECK(check(policies, podSpec("  containers:\n  - {name: a, image: " + plain + "/team/two-signatures:v1}\n"), v.cache).empty());
  // rsa is signed only by the rsa key: policy 0 (p256) fails, policy 2 passes.
  auto found = check(policies, podSpec("  containers:\n  - {name: a, image: " + plain + "/team/rsa:v1}\n"), v.cache);
  REQUIRE(found.size() == 1);
  CHECK_THAT(found[0].message, Catch::Contains("rules.imageSignatures[0]: no key matched"));
}

TEST_CASE("each key type verifies through the rule, on plain HTTP, HTTPS with a test CA and token auth") {
  Verifier v;
  for (const char* reg : {"plain", "https", "token"}) {
    for (auto [image, key] : {std::pair{"signed", "p256"}, {"p384-sha256", "p384"}, {"p384-sha384", "p384"},
                              {"rsa", "rsa"}, {"ed25519", "ed25519"}}) {
      INFO(reg << " " << image);
      std::string ref = host(reg) + "/team/" + image + ":v1";
      std::vector<rules::ImageSignaturePolicy> mine{policy("p-" + std::string(key), {host(reg) + "/**"}, {key})};
      CHECK(check(mine, podSpec("  containers:\n  - {name: a, image: " + ref + "}\n"), v.cache).empty());
      std::vector<rules::ImageSignaturePolicy> other{policy("p-other", {host(reg) + "/**"}, {"p256-other"})};
      CHECK(check(other, podSpec("  containers:\n  - {name: a, image: " + ref + "}\n"), v.cache).size() == 1);
    }
  }
}

TEST_CASE("verified digests are remembered per key set, in a bounded LRU") {
  Verifier v(2);
  const std::string plain = host("plain");
  TrustedKeys p256 = keys("k", {"p256"});
  auto ref = [&](const char* image) { return parseImageReference(plain + "/team/" + image + "@" + digest("plain", image)); };
  CHECK_FALSE(v.cache.verifiedInMemory(ref("signed"), p256));
  CHECK(v.cache.verify(ref("signed"), p256, Deadline::in(milliseconds(5000))).verified());
  CHECK(v.cache.verifiedInMemory(ref("signed"), p256));
  // Another key set does not inherit the verdict.
  CHECK_FALSE(v.cache.verifiedInMemory(ref("signed"), keys("other", {"p256-other"})));
  // A tag is resolved at the registry every time, so it is never "in memory".
  CHECK_FALSE(v.cache.verifiedInMemory(parseImageReference(plain + "/team/signed:v1"), p256));
  CHECK(v.cache.verify(ref("docker-v2"), p256, Deadline::in(milliseconds(5000))).verified());
  CHECK(v.cache.verify(ref("signed"), p256, Deadline::in(milliseconds(5000))).verified());  // hit: most recent now
  CHECK(v.metrics.cacheHits == 1);
  CHECK(v.cache.verify(ref("index"), p256, Deadline::in(milliseconds(5000))).verified());
  CHECK(v.cache.size() == 2);
  CHECK(v.cache.verifiedInMemory(ref("signed"), p256));
  CHECK_FALSE(v.cache.verifiedInMemory(ref("docker-v2"), p256));  // least recently used: evicted
  CHECK(v.metrics.verifications.value({"verified"}) == 3);
  // Failures are not remembered.
  CHECK(v.cache.verify(ref("unsigned"), p256, Deadline::in(milliseconds(5000))).status == VerifyStatus::NoSignature);
  CHECK(v.cache.verify(ref("unsigned"), p256, Deadline::in(milliseconds(5000))).status == VerifyStatus::NoSignature);
  CHECK(v.metrics.verifications.value({"no signature"}) == 2);
}

TEST_CASE("a verdict is remembered for its registry, repository and keys, not for the digest alone") {
  // One image (one digest) in plain's team/mirror (signed), plain's team/mirror-unsigned and token's
  // team/mirror (both unsigned): cosign verify finds signatures per repository, so only the first verifies.
  // With verdicts remembered by digest, the two unsigned copies were admitted once the signed one verified.
  Verifier v;
  const std::string d = digest("plain", "mirror");
  const std::string signedRef = host("plain") + "/team/mirror@" + d;
  const std::string sameRegistry = host("plain") + "/team/mirror-unsigned@" + d;
  const std::string otherRegistry = host("token") + "/team/mirror@" + d;
  std::vector<rules::ImageSignaturePolicy> policies{
      policy("rules.imageSignatures[0]", {host("plain") + "/**", host("token") + "/**"}, {"p256"})};
  auto found = check(policies, podSpec("  containers:\n  - {name: a, image: \"" + signedRef + "\"}\n"
                                       "  - {name: b, image: \"" + sameRegistry + "\"}\n"
                                       "  - {name: c, image: \"" + otherRegistry + "\"}\n"), v.cache);
  REQUIRE(found.size() == 2);
  CHECK(found[0].field == "spec.containers[1].image");
  CHECK_THAT(found[0].message, Catch::Contains("no signature: "));
  CHECK(found[1].field == "spec.containers[2].image");
  CHECK_THAT(found[1].message, Catch::Contains("no signature: "));
  CHECK(v.cache.verifiedInMemory(parseImageReference(signedRef), policies[0].keys));
  CHECK_FALSE(v.cache.verifiedInMemory(parseImageReference(sameRegistry), policies[0].keys));
  CHECK_FALSE(v.cache.verifiedInMemory(parseImageReference(otherRegistry), policies[0].keys));
  // The same verdict for the registry however an image spells it (a port's leading zero).
  const std::string plain = host("plain");
  const std::string zeroPort = plain.substr(0, plain.rfind(':') + 1) + "0" + plain.substr(plain.rfind(':') + 1);
  CHECK(v.cache.verifiedInMemory(parseImageReference(zeroPort + "/team/mirror@" + d), policies[0].keys));
  // Same policy id, other keys (a configuration that changed): judged again, not taken from memory.
  CHECK_FALSE(v.cache.verifiedInMemory(parseImageReference(signedRef), keys("rules.imageSignatures[0]", {"p256-other"})));
  CHECK(v.cache.verify(parseImageReference(signedRef), keys("rules.imageSignatures[0]", {"p256-other"}),
                       Deadline::in(milliseconds(5000))).status == VerifyStatus::NoKeyMatched);

  // Concurrent verifications of the digest in both repositories each get their own repository's answer
  // (one shared registry round trip per repository, not per digest).
  Verifier fresh;
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      const bool signedOne = i % 2 == 0;
      auto r = fresh.cache.verify(parseImageReference(signedOne ? signedRef : sameRegistry), policies[0].keys,
                                  Deadline::in(milliseconds(10000)));
      if (r.verified() == signedOne) ++right;
    });
  for (auto& t : threads) t.join();
  CHECK(right == 8);
}

TEST_CASE("concurrent verifications of one digest share one registry round trip") {
  Verifier v;
  TrustedKeys p256 = keys("k", {"p256"});
  ImageReference ref = parseImageReference(host("token") + "/team/signed@" + digest("token", "signed"));
  std::vector<std::thread> threads;
  std::atomic<int> verified{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (v.cache.verify(ref, p256, Deadline::in(milliseconds(10000))).verified()) ++verified;
    });
  for (auto& t : threads) t.join();
  CHECK(verified == 8);
  CHECK(v.metrics.verifications.value({"verified"}) == 1);
  CHECK(v.metrics.registryLatency.count() == 1);
}

TEST_CASE("a registry outage: what verified is still admitted, what never did is refused fast") {
  Verifier v;
  const std::string outage = host("outage");
  std::vector<rules::ImageSignaturePolicy> policies{policy("rules.imageSignatures[0]", {outage + "/**"}, {"p256", "rsa", "ed25519"})};
  const std::string signedDigest = outage + "/team/signed@" + digest("outage", "signed");
  const std::string signedTag = outage + "/team/docker-v2:v1";
  auto pod = [](const std::string& image) { return podSpec("  containers:\n  - {name: app, image: \"" + image + "\"}\n"); };
  REQUIRE(check(policies, pod(signedDigest), v.cache).empty());
  REQUIRE(check(policies, pod(signedTag), v.cache).empty());
  auto inMemory = [&](const std::string& image) { return rules::imageSignaturesInMemory(policies, pod(image), v.cache); };
  CHECK(inMemory(signedDigest).allVerified);
  CHECK(inMemory(signedDigest).hits == 1);
  CHECK(inMemory(signedTag).needsRegistry);  // a tag is resolved every time

  REQUIRE(::kill(fixture()["outage"]["pid"].get<pid_t>(), SIGTERM) == 0);
  // Until the registry is gone for good (it drains its connections first).
  for (int i = 0; i < 100; ++i) {
    auto probe = v.cache.verify(parseImageReference(outage + "/team/unsigned:v1"), policies[0].keys, Deadline::in(milliseconds(500)));
    if (probe.status == VerifyStatus::RegistryUnreachable) break;
    std::this_thread::sleep_for(milliseconds(100));
  }

  // Cached digest: admitted without the registry.
  CHECK(check(policies, pod(signedDigest), v.cache).empty());
  // A tag whose last resolution verified: admitted by that digest.
  CHECK(v.cache.verify(parseImageReference(signedTag), policies[0].keys, Deadline::in(milliseconds(2000))).digest ==
        digest("outage", "docker-v2"));
  CHECK(check(policies, pod(signedTag), v.cache).empty());
  // Never verified, by digest or by tag: refused (fail closed), well within the budget.
  for (const std::string& image : {outage + "/team/rsa@" + digest("outage", "rsa"), outage + "/team/ed25519:v1"}) {
    INFO(image);
    auto start = std::chrono::steady_clock::now();
    auto found = check(policies, pod(image), v.cache, milliseconds(2000));
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(found.size() == 1);
    CHECK_THAT(found[0].message, Catch::Contains("registry unreachable"));
    CHECK(took < milliseconds(1000));
  }
}
