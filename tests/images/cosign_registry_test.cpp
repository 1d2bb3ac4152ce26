// The cosign verifier against a real registry (Debian's docker-registry on loopback, plain HTTP, HTTPS
// with a test CA, and token auth), with images and signatures pushed by registry_e2e.py using the
// openssl CLI. Run through registry_e2e.py, which names its fixture in KGUARD_REGISTRY_FIXTURE.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <atomic>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry_fixture.h"
#include "images/cosign_verifier.h"

using namespace images;
using std::chrono::milliseconds;

namespace {

const nlohmann::json& fixture() { return registryFixture(); }

PublicKey key(const std::string& name) { return PublicKey::fromFile(fixture()["keys"][name].get<std::string>()); }

std::string host(const std::string& registry) { return fixture()[registry]["host"].get<std::string>(); }
std::string digest(const std::string& registry, const std::string& image) {
  return fixture()[registry]["digests"][image].get<std::string>();
}

// Registry options per host, as kguard's configuration will give them.
CosignVerifier verifierWith(std::map<std::string, RegistryOptions> options) {
  return CosignVerifier([options](const std::string& h) {
    auto found = options.find(h);
    return std::make_shared<const RegistryClient>(h, found == options.end() ? RegistryOptions{} : found->second);
  });
}

CosignVerifier verifier() {
  RegistryOptions plain;
  plain.insecure = true;
  RegistryOptions https;
  https.caFile = fixture()["ca"].get<std::string>();
  return verifierWith({{host("plain"), plain}, {host("https"), https}, {host("token"), plain}});
}

VerifyResult verify(const std::string& image, const std::vector<std::string>& keyNames, milliseconds budget = milliseconds(5000)) {
  std::vector<PublicKey> keys;
  for (const auto& k : keyNames) keys.push_back(key(k));
  VerifyResult r = verifier().verify(parseImageReference(image), keys, Deadline::in(budget));
  UNSCOPED_INFO(image << " -> " << toString(r.status) << ": " << r.reason);
  return r;
}

}  // namespace

TEST_CASE("a signed image verifies by digest, by tag, and by tag+digest") {
  for (std::string reg : {"plain", "https", "token"}) {
    INFO("registry " << reg);
    std::string repo = host(reg) + "/team/signed";
    std::string d = digest(reg, "signed");
    VerifyResult byDigest = verify(repo + "@" + d, {"p256"});
    CHECK(byDigest.status == VerifyStatus::Verified);
    CHECK(byDigest.digest == d);
    CHECK(byDigest.keyName == fixture()["keys"]["p256"].get<std::string>());

    VerifyResult byTag = verify(repo + ":v1", {"p256"});
    CHECK(byTag.status == VerifyStatus::Verified);
    CHECK(byTag.digest == d);  // the tag was resolved; the decision is about this digest

    CHECK(verify(repo + ":v1@" + d, {"p256"}).verified());
    // Any one of several keys is enough.
    CHECK(verify(repo + "@" + d, {"rsa", "ed25519", "p256"}).verified());
  }
}

TEST_CASE("an unsigned image has no signature") {
  for (std::string reg : {"plain", "https", "token"}) {
    INFO("registry " << reg);
    VerifyResult r = verify(host(reg) + "/team/unsigned:v1", {"p256"});
    CHECK(r.status == VerifyStatus::NoSignature);
    CHECK(r.digest == digest(reg, "unsigned"));
    CHECK_THAT(r.reason, Catch::Contains(signatureTag(digest(reg, "unsigned"))));
  }
  // A signature manifest whose layers carry no signature annotation carries no cosign signature.
  VerifyResult foreign = verify(host("plain") + "/team/foreign-sig-layer:v1", {"p256"});
  CHECK(foreign.status == VerifyStatus::NoSignature);
  CHECK_THAT(foreign.reason, Catch::Contains("has no layer with a dev.cosignproject.cosign/signature annotation"));
}

TEST_CASE("signatures verify as cosign verifies them: any layer media type, payload read as Go reads it") {
  // cosign's Signatures().Get() takes every layer; SimpleClaimVerifier decodes the payload with Go's
  // encoding/json (keys case-insensitive) and checks only critical.image.docker-manifest-digest.
  for (const char* image : {"octet-stream-layer", "other-type", "upper-keys", "copied-signature", "unannotated-layer"}) {
    INFO(image);
    VerifyResult r = verify(host("plain") + "/team/" + image + ":v1", {"p256"});
    CHECK(r.status == VerifyStatus::Verified);
    CHECK(r.digest == digest("plain", image));
  }
  // More signature layers than cosign reads: refused, as cosign refuses them all.
  VerifyResult many = verify(host("plain") + "/team/too-many-layers:v1", {"p256"});
  CHECK(many.status == VerifyStatus::RegistryError);
  CHECK_THAT(many.reason, Catch::Contains("1001 layers, more than cosign reads (1000)"));
  // A payload Go cannot decode into cosign's struct ("optional" not an object) is refused, as cosign refuses it.
  VerifyResult optional = verify(host("plain") + "/team/optional-string:v1", {"p256"});
  CHECK(optional.status == VerifyStatus::NoKeyMatched);
  CHECK_THAT(optional.reason, Catch::Contains("payload.optional is a string, not an object"));
}

TEST_CASE("a signature by another key matches no key; the signer's key verifies it") {
  std::string image = host("plain") + "/team/other-key:v1";
  VerifyResult r = verify(image, {"p256"});
  CHECK(r.status == VerifyStatus::NoKeyMatched);
  CHECK_THAT(r.reason, Catch::Contains("1 signature(s)") && Catch::Contains("none verifies with the 1 key(s)"));
  CHECK(verify(image, {"p256-other"}).verified());
  CHECK(verify(image, {}).status == VerifyStatus::NoKeyMatched);
  // Among several signatures one by a trusted key is enough (cosign appends signatures).
  CHECK(verify(host("plain") + "/team/two-signatures:v1", {"p256"}).verified());
  CHECK(verify(host("plain") + "/team/two-signatures:v1", {"p256-other"}).verified());
}

TEST_CASE("a valid signature whose payload names another digest is refused") {
  for (std::string reg : {"plain", "token"}) {
    INFO("registry " << reg);
    VerifyResult r = verify(host(reg) + "/team/names-other-digest:v1", {"p256"});
    CHECK(r.status == VerifyStatus::PayloadNamesOtherDigest);
    CHECK_THAT(r.reason, Catch::Contains(digest(reg, "signed")) && Catch::Contains(digest(reg, "names-other-digest")));
  }
}

TEST_CASE("a payload blob altered in the registry's storage is detected by its digest") {
  VerifyResult r = verify(host("plain") + "/team/tampered:v1", {"p256"});
  CHECK(r.status == VerifyStatus::TamperedPayload);
  CHECK_THAT(r.reason, Catch::Contains("served bytes hashing to"));
}

TEST_CASE("each key type verifies with the hash cosign uses, and only its own signatures") {
  struct Case {
    const char* image;
    const char* key;
  };
  for (Case c : {Case{"p384-sha256", "p384"}, Case{"p384-sha384", "p384"}, Case{"rsa", "rsa"}, Case{"ed25519", "ed25519"}}) {
    INFO(c.image);
    std::string image = host("plain") + "/team/" + c.image + ":v1";
    VerifyResult r = verify(image, {c.key});
    CHECK(r.status == VerifyStatus::Verified);
    CHECK(r.keyName == fixture()["keys"][c.key].get<std::string>());
    CHECK(verify(image, {"p256"}).status == VerifyStatus::NoKeyMatched);
  }
}

TEST_CASE("tags, repositories and digests that do not exist") {
  std::string repo = host("plain") + "/team/signed";
  CHECK(verify(repo + ":no-such-tag", {"p256"}).status == VerifyStatus::ImageNotFound);
  CHECK(verify(host("plain") + "/team/no-such-repo:v1", {"p256"}).status == VerifyStatus::ImageNotFound);
  CHECK(verify(host("token") + "/team/signed:no-such-tag", {"p256"}).status == VerifyStatus::ImageNotFound);
  // A digest that exists nowhere: no signature tag for it either (the digest is not looked up first;
  // a signature on it would be enough, since the pull by digest is checked by the runtime).
  VerifyResult unknown = verify(repo + "@sha256:" + std::string(64, '0'), {"p256"});
  CHECK(unknown.status == VerifyStatus::NoSignature);
}

TEST_CASE("HTTPS: the registry's certificate must chain to the configured CA") {
  RegistryOptions systemCas;  // no caFile: the system CAs, which do not include the test CA
  CosignVerifier v = verifierWith({{host("https"), systemCas}});
  VerifyResult r = v.verify(parseImageReference(host("https") + "/team/signed:v1"), {key("p256")}, Deadline::in(milliseconds(5000)));
  CHECK(r.status == VerifyStatus::RegistryUnreachable);
  CHECK_THAT(r.reason, Catch::Contains("https://" + host("https")));
  // Plain HTTP to a TLS port is no answer either.
  RegistryOptions plain;
  plain.insecure = true;
  CHECK(verifierWith({{host("https"), plain}})
            .verify(parseImageReference(host("https") + "/team/signed:v1"), {key("p256")}, Deadline::in(milliseconds(5000)))
            .status != VerifyStatus::Verified);
}

TEST_CASE("an unreachable or silent registry fails closed within the time budget") {
  std::string closed = "127.0.0.1:" + std::to_string(fixture()["unused_port"].get<int>());
  auto start = std::chrono::steady_clock::now();
  VerifyResult refused = verify(closed + "/team/signed:v1", {"p256"});
  CHECK(refused.status == VerifyStatus::RegistryUnreachable);

  // A socket that accepts connections (the kernel's backlog) but never answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 16) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string silent = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  start = std::chrono::steady_clock::now();
  RegistryOptions plain;
  plain.insecure = true;
  VerifyResult r = verifierWith({{silent, plain}}).verify(parseImageReference(silent + "/team/signed:v1"), {key("p256")},
                                                          Deadline::in(milliseconds(300)));
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  ::close(fd);
  CHECK(r.status == VerifyStatus::RegistryUnreachable);
  CHECK(took < milliseconds(1500));  // the 300 ms budget, with generous slack for a loaded machine
}

namespace {
// Plain-HTTP options with the credentials a .dockerconfigjson of the fixture gives `registry`.
RegistryOptions withPullSecret(const std::string& registry, const std::string& file) {
  std::ifstream in(fixture()[file].get<std::string>());
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  RegistryOptions options;
  options.insecure = true;
  REQUIRE(credentialsFromDockerConfig(json, host(registry), options.username, options.password));
  return options;
}

VerifyResult verifyWith(const RegistryOptions& options, const std::string& registry, const std::string& repoAndRef) {
  VerifyResult r = verifierWith({{host(registry), options}})
                       .verify(parseImageReference(host(registry) + "/" + repoAndRef), {key("p256")}, Deadline::in(milliseconds(5000)));
  UNSCOPED_INFO(repoAndRef << " -> " << toString(r.status) << ": " << r.reason);
  return r;
}
}  // namespace

TEST_CASE("basic auth (htpasswd registry) with the credentials of a .dockerconfigjson") {
  RegistryOptions anonymous;
  anonymous.insecure = true;
  VerifyResult denied = verifyWith(anonymous, "basic", "team/signed:v1");
  CHECK(denied.status == VerifyStatus::RegistryError);
  CHECK_THAT(denied.reason, Catch::Contains("access denied") && Catch::Contains("no credentials configured"));

  VerifyResult wrong = verifyWith(withPullSecret("basic", "wrong-dockerconfig.json"), "basic", "team/signed:v1");
  CHECK(wrong.status == VerifyStatus::RegistryError);
  CHECK_THAT(wrong.reason, Catch::Contains("access denied (HTTP 401, the configured credentials)"));
  RegistryOptions secret = withPullSecret("basic", "dockerconfig.json");
  VerifyResult ok = verifyWith(secret, "basic", "team/signed:v1");
  CHECK(ok.status == VerifyStatus::Verified);
  CHECK(ok.digest == digest("basic", "signed"));
  CHECK(verifyWith(secret, "basic", "team/unsigned:v1").status == VerifyStatus::NoSignature);
  CHECK(verifyWith(secret, "basic", "team/tampered:v1").status == VerifyStatus::TamperedPayload);
}

TEST_CASE("token auth: the pull secret's credentials go to the token realm for a private repository") {
  RegistryOptions anonymous;
  anonymous.insecure = true;
  VerifyResult denied = verifyWith(anonymous, "token", "private/signed:v1");
  CHECK(denied.status == VerifyStatus::RegistryError);
  CHECK_THAT(denied.reason, Catch::Contains("token service") && Catch::Contains("refused (HTTP 401, no credentials configured)"));
  VerifyResult wrong = verifyWith(withPullSecret("token", "wrong-dockerconfig.json"), "token", "private/signed:v1");
  CHECK(wrong.status == VerifyStatus::RegistryError);
  CHECK_THAT(wrong.reason, Catch::Contains("refused (HTTP 401, the configured credentials)"));
  VerifyResult ok = verifyWith(withPullSecret("token", "dockerconfig.json"), "token", "private/signed:v1");
  CHECK(ok.status == VerifyStatus::Verified);
  CHECK(ok.digest == digest("token", "private"));
}

TEST_CASE("one client serves concurrent verifications (each request its own connection, tokens shared)") {
  auto client = std::make_shared<const RegistryClient>(host("token"), [] {
    RegistryOptions o;
    o.insecure = true;
    return o;
  }());
  CosignVerifier shared([client](const std::string&) { return client; });
  std::vector<std::thread> threads;
  std::atomic<int> verified{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      std::string image = host("token") + (i % 2 ? "/team/signed:v1" : "/team/rsa:v1");
      VerifyResult r = shared.verify(parseImageReference(image), {key("p256"), key("rsa")}, Deadline::in(milliseconds(10000)));
      if (r.verified()) ++verified;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(verified == 8);
}

TEST_CASE("a tag resolves through the manifest body's sha256 when the registry sends no digest, and a wrong header is refused") {
  RegistryOptions plain;
  plain.insecure = true;
  // HEAD without Docker-Content-Digest: the manifest is fetched and hashed.
  VerifyResult hashed = verifyWith(plain, "digest-header-strip", "team/signed:v1");
  CHECK(hashed.status == VerifyStatus::Verified);
  CHECK(hashed.digest == digest("plain", "signed"));
  CHECK(verifyWith(plain, "digest-header-strip", "team/unsigned:v1").status == VerifyStatus::NoSignature);
  // A Docker-Content-Digest that is not the body's hash is a registry error, never trusted.
  VerifyResult lying = verifyWith(plain, "digest-header-lie", "team/signed:v1");
  CHECK(lying.status == VerifyStatus::RegistryError);
  CHECK_THAT(lying.reason, Catch::Contains("Docker-Content-Digest") && Catch::Contains(digest("plain", "signed")));
}

TEST_CASE("Docker schema 2 manifests and OCI indexes resolve (the Accept header names both)") {
  VerifyResult docker = verify(host("plain") + "/team/docker-v2:v1", {"p256"});
  CHECK(docker.status == VerifyStatus::Verified);
  CHECK(docker.digest == digest("plain", "docker-v2"));
  // docker-registry answers "manifest unknown" for an index the client does not accept.
  VerifyResult index = verify(host("plain") + "/team/index:v1", {"p256"});
  CHECK(index.status == VerifyStatus::Verified);
  CHECK(index.digest == digest("plain", "index"));
  // A platform manifest of the index carries no signature of its own.
  CHECK(verify(host("plain") + "/team/index:arm64", {"p256"}).status == VerifyStatus::NoSignature);
}
