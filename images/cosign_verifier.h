#pragma once
// Verifies cosign key-based signatures of container images, to the letter of cosign's format
// (github.com/sigstore/cosign, specs/SIGNATURE_SPEC.md): the signatures of image digest
// sha256:<hex> are the layers of the manifest tagged `sha256-<hex>.sig` in the image's repository;
// each layer with the annotation dev.cosignproject.cosign/signature (its base64 signature) is a "simple
// signing" payload (cosign writes the media type application/vnd.dev.cosign.simplesigning.v1+json, and
// verifies whatever the type) whose critical.image.docker-manifest-digest must name the image digest, read
// as cosign reads it (images/simple_signing_payload.h).
//
// The decision is about a digest: a tag is resolved once per verify() call and the result names the
// digest, so a caller can cache verified digests (they cannot change) and admit by digest.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "images/deadline.h"
#include "images/image_reference.h"
#include "images/public_key.h"
#include "images/registry_client.h"

namespace images {

enum class VerifyStatus {
  Verified,             // a signature on the digest verified with one of the keys
  NoSignature,          // no signature manifest, or no layer of it carries a signature annotation
  NoKeyMatched,         // signatures exist, none verifies with the given keys
  PayloadNamesOtherDigest,  // a valid signature, but its payload signs another image digest
  TamperedPayload,      // a payload blob does not hash to the digest the signature manifest names
  ImageNotFound,        // the tag or digest does not exist in the registry
  RegistryUnreachable,  // no answer within the time budget, connection or TLS failure
  RegistryError,        // the registry refused (auth) or answered something unusable
};

// "verified", "no signature", "no key matched", ... (stable words for denials, logs and metrics).
const char* toString(VerifyStatus status);

// Whether the registry answered and the signatures were judged (no signature, no key matched, another
// digest, tampered), as opposed to the image or registry not answering: then whether it is signed is unknown.
bool judgedSignatures(VerifyStatus status);

struct VerifyResult {
  VerifyStatus status = VerifyStatus::RegistryError;
  std::string digest;   // the image digest the decision is about ("" when it could not be resolved)
  std::string keyName;  // the key that verified (when Verified)
  std::string reason;   // one sentence for a denial: what was checked and what failed
  bool verified() const { return status == VerifyStatus::Verified; }
};

class CosignVerifier {
 public:
  // Returns the client for a registry host (host[:port] from the image reference's apiHost()); the
  // caller decides insecure/CA/credentials per host and may share clients between verifiers.
  using ClientForHost = std::function<std::shared_ptr<const RegistryClient>(const std::string& host)>;

  explicit CosignVerifier(ClientForHost clients) : clients_(std::move(clients)) {}

  // Never throws for registry or signature problems: they are the result.
  VerifyResult verify(const ImageReference& image, const std::vector<PublicKey>& keys, const Deadline& deadline) const;
  // The two steps of verify(), for callers that cache by digest: the digest the reference names (its
  // own, or its tag resolved; false with `failure` set when that fails), then its signatures.
  bool resolveDigest(const ImageReference& image, const Deadline& deadline, std::string& digest,
                     VerifyResult& failure) const;
  VerifyResult verifyDigest(const ImageReference& image, const std::string& digest, const std::vector<PublicKey>& keys,
                            const Deadline& deadline) const;

  // The simple-signing payload limit; cosign's payloads are a few hundred bytes.
  static constexpr size_t kMaxPayloadBytes = 1u << 20;
  // cosign's limit on the layers of a signature manifest (pkg/oci/remote/signatures.go maxLayers).
  static constexpr size_t kMaxSignatureLayers = 1000;

 private:
  ClientForHost clients_;
};

// The tag holding the signatures of `digest`: "sha256:abc..." -> "sha256-abc....sig".
std::string signatureTag(const std::string& digest);

}  // namespace images
