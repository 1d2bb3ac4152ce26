// Public keys and the hash cosign pairs with each key type: keys and signatures made by the openssl
// CLI (independent of kguard), verified by images::PublicKey.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "images/public_key.h"
#include "images/registry_client.h"

namespace fs = std::filesystem;
using images::PublicKey;

namespace {

struct KeyDir {
  fs::path dir = fs::temp_directory_path() / ("kguard-images-key-test-" + std::to_string(::getpid()));
  KeyDir() { fs::create_directories(dir); }
  ~KeyDir() { fs::remove_all(dir); }
  std::string path(const std::string& f) const { return (dir / f).string(); }
  void run(const std::string& cmd) const { REQUIRE(std::system((cmd + " 2>/dev/null").c_str()) == 0); }
  // NAME.key / NAME.pub from `openssl genpkey` arguments.
  void make(const std::string& name, const std::string& genpkeyArgs) const {
    run("openssl genpkey " + genpkeyArgs + " -out " + path(name + ".key"));
    run("openssl pkey -in " + path(name + ".key") + " -pubout -out " + path(name + ".pub"));
  }
  // The raw signature of `message` by NAME.key; `digest` "" for Ed25519 (pure, -rawin).
  std::string sign(const std::string& name, const std::string& digest, const std::string& message) const {
    std::ofstream(path("msg")) << message;
    if (digest.empty())
      run("openssl pkeyutl -sign -rawin -inkey " + path(name + ".key") + " -in " + path("msg") + " -out " + path("sig"));
    else
      run("openssl dgst -" + digest + " -sign " + path(name + ".key") + " -out " + path("sig") + " " + path("msg"));
    std::ifstream in(path("sig"), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string read(const std::string& f) const {
    std::ifstream in(path(f));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

}  // namespace

TEST_CASE("each key type verifies its own signatures with cosign's hash, and nothing else") {
  KeyDir d;
  d.make("p256", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
  d.make("p384", "-algorithm EC -pkeyopt ec_paramgen_curve:P-384");
  d.make("rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048");
  d.make("ed", "-algorithm ED25519");
  const std::string msg = "{\"critical\":{}}";

  PublicKey p256 = PublicKey::fromFile(d.path("p256.pub"));
  PublicKey p384 = PublicKey::fromFile(d.path("p384.pub"));
  PublicKey rsa = PublicKey::fromFile(d.path("rsa.pub"));
  PublicKey ed = PublicKey::fromFile(d.path("ed.pub"));
  CHECK(p256.type() == PublicKey::Type::EcdsaP256);
  CHECK(p384.type() == PublicKey::Type::EcdsaP384);
  CHECK(rsa.type() == PublicKey::Type::Rsa);
  CHECK(ed.type() == PublicKey::Type::Ed25519);
  CHECK(p256.name() == d.path("p256.pub"));

  CHECK(p256.verifies(msg, d.sign("p256", "sha256", msg)));
  CHECK(p384.verifies(msg, d.sign("p384", "sha256", msg)));  // cosign verify --key: SHA-256
  CHECK(p384.verifies(msg, d.sign("p384", "sha384", msg)));  // ecdsa-sha2-384-nistp384
  CHECK(rsa.verifies(msg, d.sign("rsa", "sha256", msg)));
  CHECK(ed.verifies(msg, d.sign("ed", "", msg)));

  SECTION("a hash cosign does not use, another message or another key fails") {
    CHECK_FALSE(p256.verifies(msg, d.sign("p256", "sha384", msg)));
    CHECK_FALSE(rsa.verifies(msg, d.sign("rsa", "sha512", msg)));
    CHECK_FALSE(p256.verifies(msg + " ", d.sign("p256", "sha256", msg)));
    CHECK_FALSE(ed.verifies(msg + " ", d.sign("ed", "", msg)));
    d.make("p256b", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
    CHECK_FALSE(p256.verifies(msg, d.sign("p256b", "sha256", msg)));
    CHECK_FALSE(rsa.verifies(msg, d.sign("p256", "sha256", msg)));
    CHECK_FALSE(p256.verifies(msg, ""));
  }
}

TEST_CASE("unusable keys are refused naming the key") {
  KeyDir d;
  CHECK_THROWS_WITH(PublicKey::fromPem("not pem", "team.pub"), Catch::Contains("public key team.pub") && Catch::Contains("no PEM"));
  CHECK_THROWS_WITH(PublicKey::fromFile(d.path("missing.pub")), Catch::Contains("cannot read"));
  d.make("k1", "-algorithm EC -pkeyopt ec_paramgen_curve:secp256k1");
  CHECK_THROWS_WITH(PublicKey::fromFile(d.path("k1.pub")), Catch::Contains("secp256k1 is not supported"));
  d.make("small", "-algorithm RSA -pkeyopt rsa_keygen_bits:1024");
  CHECK_THROWS_WITH(PublicKey::fromFile(d.path("small.pub")), Catch::Contains("shorter than 2048"));
  d.make("x", "-algorithm X25519");
  CHECK_THROWS_WITH(PublicKey::fromFile(d.path("x.pub")), Catch::Contains("unsupported key type"));
  // A private key is not a public key: the error says which file to give instead (cosign.key for
  // cosign.pub is the usual slip; cosign's own is an "ENCRYPTED SIGSTORE PRIVATE KEY").
  d.make("p", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
  CHECK_THROWS_WITH(PublicKey::fromPem(d.read("p.key"), "p.key"),
                    Catch::Contains("public key p.key: holds a PEM PRIVATE KEY block") && Catch::Contains("cosign public-key"));
  CHECK_THROWS_WITH(PublicKey::fromPem("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n"
                                       "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
                                       "cosign.key"),
                    Catch::Contains("public key cosign.key: holds a PEM ENCRYPTED SIGSTORE PRIVATE KEY block"));
  // A PUBLIC KEY block with garbled content is named as such.
  CHECK_THROWS_WITH(PublicKey::fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "bad.pub"),
                    Catch::Contains("public key bad.pub") && Catch::Contains("malformed"));
}

TEST_CASE("an RSA key as PKCS#1 (RSA PUBLIC KEY), which cosign reads too, verifies") {
  // sigstore cryptoutils.UnmarshalPEMToPublicKey: "PUBLIC KEY" (PKIX) or "RSA PUBLIC KEY" (PKCS#1).
  KeyDir d;
  d.make("rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048");
  d.run("openssl rsa -pubin -in " + d.path("rsa.pub") + " -RSAPublicKey_out -out " + d.path("rsa1.pub"));
  REQUIRE_THAT(d.read("rsa1.pub"), Catch::StartsWith("-----BEGIN RSA PUBLIC KEY-----"));
  PublicKey key = PublicKey::fromFile(d.path("rsa1.pub"));
  CHECK(key.type() == PublicKey::Type::Rsa);
  const std::string msg = "{\"critical\":{}}";
  CHECK(key.verifies(msg, d.sign("rsa", "sha256", msg)));
  CHECK_FALSE(key.verifies(msg + " ", d.sign("rsa", "sha256", msg)));
}

TEST_CASE("credentials from a .dockerconfigjson") {
  std::string user, pass;
  // "alice:s3cr:et" in base64; the password may contain ':'.
  std::string cfg = R"({"auths":{"r.io:5000":{"auth":"YWxpY2U6czNjcjpldA=="},
                        "https://index.docker.io/v1/":{"username":"bob","password":"pw"}}})";
  REQUIRE(images::credentialsFromDockerConfig(cfg, "r.io:5000", user, pass));
  CHECK(user == "alice");
  CHECK(pass == "s3cr:et");
  REQUIRE(images::credentialsFromDockerConfig(cfg, "registry-1.docker.io", user, pass));
  CHECK(user == "bob");
  CHECK(pass == "pw");
  CHECK_FALSE(images::credentialsFromDockerConfig(cfg, "other.io", user, pass));
  CHECK_FALSE(images::credentialsFromDockerConfig("{}", "r.io", user, pass));
  // A field of the wrong type is a clear error naming it, not an exception that ends the process.
  CHECK_THROWS_WITH(images::credentialsFromDockerConfig(R"({"auths":{"r.io":{"auth":["x"]}}})", "r.io", user, pass),
                    "docker config: auths[\"r.io\"].auth is not a string");
  CHECK_THROWS_WITH(images::credentialsFromDockerConfig(R"({"auths":{"r.io":{"username":7}}})", "r.io", user, pass),
                    "docker config: auths[\"r.io\"].username is not a string");
  // Keys as Docker reads them (ConvertToHostname): a scheme and a path (kubectl create secret
  // docker-registry --docker-server=https://r.io/v2/), another spelling of the server.
  std::string spelled = R"({"auths":{"https://R.io:443/v2/":{"username":"carol","password":"c"},
                            "http://other.io:5000/v1/":{"username":"dave","password":"d"},
                            "index.docker.io/v1/":{"username":"erin","password":"e"}}})";
  REQUIRE(images::credentialsFromDockerConfig(spelled, "r.io", user, pass));
  CHECK(user == "carol");
  REQUIRE(images::credentialsFromDockerConfig(spelled, "other.io:05000", user, pass));
  CHECK(user == "dave");
  REQUIRE(images::credentialsFromDockerConfig(spelled, "docker.io", user, pass));
  CHECK(user == "erin");
  CHECK_FALSE(images::credentialsFromDockerConfig(spelled, "other.io", user, pass));  // another port: another server
  CHECK_FALSE(images::credentialsFromDockerConfig(spelled, "r.io.evil", user, pass));
  CHECK_THROWS_WITH(images::credentialsFromDockerConfig("[", "r.io", user, pass), Catch::Contains("not a JSON object"));
  CHECK_THROWS_WITH(images::credentialsFromDockerConfig(R"({"auths":{"r.io":{"auth":"!!"}}})", "r.io", user, pass),
                    Catch::Contains("auths[\"r.io\"].auth is not base64"));
  CHECK_THROWS_WITH(images::credentialsFromDockerConfig(R"({"auths":{"r.io":{"auth":"YWxpY2U="}}})", "r.io", user, pass),
                    Catch::Contains("user:password"));
}

TEST_CASE("sha256 digests of bytes") {
  CHECK(images::sha256Digest("") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
