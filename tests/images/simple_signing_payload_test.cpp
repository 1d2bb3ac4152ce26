// The digest a simple-signing payload signs, read as cosign's SimpleClaimVerifier reads it (Go's
// encoding/json into sigstore's payload.SimpleContainerImage): what cosign verifies, kguard verifies, and
// what cosign refuses, kguard refuses.
#include <catch2/catch.hpp>

#include <string>

#include "images/simple_signing_payload.h"

using images::signedDigestOf;

namespace {
const std::string kDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string kOther = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

// The digest when the payload decodes, else "refused: <problem>".
std::string read(const std::string& payload) {
  auto r = signedDigestOf(payload);
  INFO(payload << " -> " << (r.ok ? r.digest : r.problem));
  return r.ok ? r.digest : "refused: " + r.problem;
}
}  // namespace

TEST_CASE("cosign's own payload (cosign generate / sign)") {
  CHECK(read(R"({"critical":{"identity":{"docker-reference":"registry.example.com/team/app"},"image":{"docker-manifest-digest":")" +
             kDigest + R"("},"type":"cosign container image signature"},"optional":null})") == kDigest);
  // With annotations (cosign sign -a k=v).
  CHECK(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kDigest +
             R"("},"type":"cosign container image signature"},"optional":{"k":"v","n":[1,{"x":null}]}})") == kDigest);
}

TEST_CASE("critical.type and critical.identity are not checked, as cosign checks neither") {
  CHECK(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kDigest + R"("},"type":"Cosign Container Image Signature"}})") == kDigest);
  CHECK(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kDigest + R"("},"type":"atomic container signature"}})") == kDigest);
  CHECK(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kDigest + R"("}}})") == kDigest);
  // A signature `cosign copy` took to a mirror names the original repository.
  CHECK(read(R"({"critical":{"identity":{"docker-reference":"elsewhere.example/other"},"image":{"docker-manifest-digest":")" +
             kDigest + R"("}}})") == kDigest);
}

TEST_CASE("keys match case-insensitively, as Go's encoding/json matches struct fields") {
  CHECK(read(R"({"Critical":{"IMAGE":{"Docker-Manifest-Digest":")" + kDigest + R"("}}})") == kDigest);
  // Go folds U+212A KELVIN SIGN to k and U+017F LONG S to s.
  CHECK(read("{\"critical\":{\"image\":{\"doc\xE2\x84\xAA" "er-manife\xC5\xBFt-digest\":\"" + kDigest + "\"}}}") == kDigest);
  // Other look-alikes are other keys: no digest.
  CHECK(read("{\"critical\":{\"image\":{\"docker-manifest-d\xC4\xB1gest\":\"" + kDigest + "\"}}}").empty());
  CHECK(read(R"({"critical":{"image":{"docker_manifest_digest":")" + kDigest + R"("}}})").empty());
}

TEST_CASE("repeated keys decode in order: a string replaced, an object merged, null changes nothing") {
  CHECK(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kOther + R"(","docker-manifest-digest":")" + kDigest +
             R"("}}})") == kDigest);
  // "critical" then "Critical": the second merges into the first (its identity does not erase image).
  CHECK(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kDigest +
             R"("}},"Critical":{"identity":{"docker-reference":"x"}}})") == kDigest);
  CHECK(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kOther + R"("}},"CRITICAL":{"image":{"docker-manifest-digest":")" +
             kDigest + R"("}}})") == kDigest);
  CHECK(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kDigest + R"("}},"critical":null})") == kDigest);
  CHECK(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kDigest + R"(","docker-manifest-digest":null}}})") == kDigest);
  CHECK(read("null").empty());
}

TEST_CASE("a field of the wrong JSON type refuses the payload, as Go's Unmarshal fails") {
  const std::string image = R"("image":{"docker-manifest-digest":")" + kDigest + R"("})";
  CHECK_THAT(read(R"({"critical":{)" + image + R"(},"optional":"note"})"),
             Catch::StartsWith("refused: payload.optional is a string, not an object"));
  CHECK_THAT(read(R"({"critical":{)" + image + R"(,"type":1}})"), Catch::StartsWith("refused: payload.critical.type is a number"));
  CHECK_THAT(read(R"({"critical":{)" + image + R"(,"identity":"x"}})"), Catch::StartsWith("refused: payload.critical.identity is a string"));
  CHECK_THAT(read(R"({"critical":{"image":{"docker-manifest-digest":[")" + kDigest + R"("]}}})"),
             Catch::StartsWith("refused: payload.critical.image.docker-manifest-digest is an array, not a string"));
  CHECK_THAT(read(R"({"critical":[]})"), Catch::StartsWith("refused: payload.critical is an array"));
  CHECK_THAT(read(R"([])"), Catch::StartsWith("refused: payload is an array"));
  CHECK_THAT(read(R"("x")"), Catch::StartsWith("refused: payload is a string"));
  // Unknown fields may hold anything.
  CHECK(read(R"({"extra":[1,"x",{"critical":5}],"critical":{"other":true,)" + image + R"(}})") == kDigest);
}

TEST_CASE("what is no JSON is refused, a byte-order mark included (Go refuses it)") {
  const std::string good = R"({"critical":{"image":{"docker-manifest-digest":")" + kDigest + R"("}}})";
  CHECK_THAT(read("\xEF\xBB\xBF" + good), Catch::StartsWith("refused: payload is not JSON: it starts with a byte-order mark"));
  CHECK_THAT(read(good + "x"), Catch::StartsWith("refused: payload is not JSON"));
  CHECK_THAT(read(""), Catch::StartsWith("refused: payload is not JSON"));
  CHECK_THAT(read(R"({"critical":{"image":{"docker-manifest-digest":")" + kDigest + R"(",}}})"),
             Catch::StartsWith("refused: payload is not JSON"));
  CHECK(read(" \n" + good + "\r\n\t ") == kDigest);  // JSON's whitespace around the value is fine
}
