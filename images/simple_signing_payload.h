#pragma once
// The image digest a cosign "simple signing" payload signs, read exactly as `cosign verify` reads it
// (sigstore/cosign pkg/cosign/verifiers.go SimpleClaimVerifier): Go's encoding/json decodes the payload
// into sigstore's payload.SimpleContainerImage and critical.image.docker-manifest-digest must equal the
// image digest. So, as cosign:
//  - object keys match field names case-insensitively (Go's fold: "Critical", "DOCKER-MANIFEST-DIGEST",
//    and the Kelvin sign K / long s ſ for k / s), an exact match first; unknown keys are ignored;
//  - a repeated key decodes again into the same field (a string is replaced, an object merged), a null
//    leaves a field as it was;
//  - a value of the wrong JSON type for a field (critical not an object, the digest not a string,
//    optional not an object, the payload not an object) refuses the payload;
//  - critical.type and critical.identity.docker-reference are not checked (cosign checks neither: a
//    signature `cosign copy` took to a mirror still names the original repository);
//  - the payload must be valid JSON (no byte-order mark, which Go refuses and nlohmann would skip).
#include <string>

namespace images {

struct SignedDigest {
  bool ok = false;      // the payload decodes as cosign decodes it
  std::string digest;   // critical.image.docker-manifest-digest ("" when absent)
  std::string problem;  // why it does not decode, when !ok
};

SignedDigest signedDigestOf(const std::string& payload);

}  // namespace images
