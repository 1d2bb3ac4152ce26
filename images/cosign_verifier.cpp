#include "images/cosign_verifier.h"

#include <optional>

#include <nlohmann/json.hpp>

#include "images/simple_signing_payload.h"
#include "kube/api_tls.h"  // decodeBase64

namespace images {
namespace {

const char* kSignatureAnnotation = "dev.cosignproject.cosign/signature";

VerifyResult fromRegistryError(const RegistryError& e, const std::string& digest, bool readingImage) {
  VerifyResult out;
  out.digest = digest;
  out.reason = e.what();
  switch (e.kind) {
    case RegistryError::Kind::Unreachable: out.status = VerifyStatus::RegistryUnreachable; break;
    case RegistryError::Kind::NotFound:
      out.status = readingImage ? VerifyStatus::ImageNotFound : VerifyStatus::NoSignature;
      break;
    case RegistryError::Kind::DigestMismatch:
      out.status = readingImage ? VerifyStatus::RegistryError : VerifyStatus::TamperedPayload;
      break;
    default: out.status = VerifyStatus::RegistryError; break;
  }
  return out;
}

}  // namespace

const char* toString(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::Verified: return "verified";
    case VerifyStatus::NoSignature: return "no signature";
    case VerifyStatus::NoKeyMatched: return "no key matched";
    case VerifyStatus::PayloadNamesOtherDigest: return "payload names another digest";
    case VerifyStatus::TamperedPayload: return "tampered payload";
    case VerifyStatus::ImageNotFound: return "image not found";
    case VerifyStatus::RegistryUnreachable: return "registry unreachable";
    case VerifyStatus::RegistryError: return "registry error";
  }
  return "unknown";
}

bool judgedSignatures(VerifyStatus status) {
  return status == VerifyStatus::NoSignature || status == VerifyStatus::NoKeyMatched ||
         status == VerifyStatus::PayloadNamesOtherDigest || status == VerifyStatus::TamperedPayload;
}

std::string signatureTag(const std::string& digest) {
  std::string tag = digest;
  size_t colon = tag.find(':');
  if (colon != std::string::npos) tag[colon] = '-';
  return tag + ".sig";
}

VerifyResult CosignVerifier::verify(const ImageReference& image, const std::vector<PublicKey>& keys,
                                    const Deadline& deadline) const {
  std::string digest;
  VerifyResult failure;
  if (!resolveDigest(image, deadline, digest, failure)) return failure;
  return verifyDigest(image, digest, keys, deadline);
}

// 1. The digest the decision is about (a digest in the reference wins over its tag, as in containerd).
bool CosignVerifier::resolveDigest(const ImageReference& image, const Deadline& deadline, std::string& digest,
                                   VerifyResult& failure) const {
  if (!image.digest.empty()) {
    digest = image.digest;
    return true;
  }
  try {
    digest = clients_(image.apiHost())->resolveDigest(image.repository, image.tag, deadline);
    return true;
  } catch (const RegistryError& e) {
    failure = fromRegistryError(e, "", true);
    return false;
  }
}

VerifyResult CosignVerifier::verifyDigest(const ImageReference& image, const std::string& digest,
                                          const std::vector<PublicKey>& keys, const Deadline& deadline) const {
  VerifyResult out;
  out.digest = digest;
  std::shared_ptr<const RegistryClient> client = clients_(image.apiHost());
  const std::string& repo = image.repository;
  // 2. The signature manifest.
  Manifest sigManifest;
  try {
    sigManifest = client->getManifest(repo, signatureTag(out.digest), deadline);
  } catch (const RegistryError& e) {
    VerifyResult failed = fromRegistryError(e, out.digest, false);
    if (failed.status == VerifyStatus::NoSignature)
      failed.reason = "no cosign signature: " + image.registry + "/" + repo + ":" + signatureTag(out.digest) + " does not exist";
    return failed;
  }
  nlohmann::json manifest = nlohmann::json::parse(sigManifest.body, nullptr, false);
  if (!manifest.is_object() || !manifest.contains("layers") || !manifest["layers"].is_array()) {
    out.status = VerifyStatus::RegistryError;
    out.reason = "signature manifest " + signatureTag(out.digest) + " has no layers array";
    return out;
  }
  if (manifest["layers"].size() > kMaxSignatureLayers) {  // cosign's Signatures().Get() refuses them all
    out.status = VerifyStatus::RegistryError;
    out.reason = "signature manifest " + signatureTag(out.digest) + " has " + std::to_string(manifest["layers"].size()) +
                 " layers, more than cosign reads (" + std::to_string(kMaxSignatureLayers) + ")";
    return out;
  }
  // 3. Each layer carrying a signature annotation, whatever its media type (cosign's Signatures().Get()
  // takes every layer; its verify checks the signature, then the payload): payload blob (digest-checked),
  // signature, then what it signs. A layer that cannot be read is skipped, as cosign skips it.
  size_t signatures = 0;
  std::vector<std::string> otherDigests, tampered, unusable;
  std::optional<VerifyResult> unreadable;  // the first payload the registry would not serve
  for (const auto& layer : manifest["layers"]) {
    if (!layer.is_object() || !layer.contains("annotations") || !layer["annotations"].is_object()) continue;
    const auto& annotations = layer["annotations"];
    auto sigText = annotations.find(kSignatureAnnotation);
    if (sigText == annotations.end() || !sigText->is_string()) continue;
    ++signatures;
    const std::string blobDigest = layer.contains("digest") && layer["digest"].is_string() ? layer["digest"].get<std::string>() : "";
    std::string signature;
    try {
      signature = kube::tls::decodeBase64(sigText->get<std::string>());
    } catch (const std::exception&) {
      unusable.push_back(blobDigest + ": signature annotation is not base64");
      continue;
    }
    if (signature.empty()) {
      unusable.push_back(blobDigest + ": empty " + std::string(kSignatureAnnotation) + " annotation");
      continue;
    }
    std::string payload;
    try {
      payload = client->getBlob(repo, blobDigest, kMaxPayloadBytes, deadline);
    } catch (const RegistryError& e) {
      if (e.kind == RegistryError::Kind::DigestMismatch) {
        tampered.push_back(e.what());
        continue;
      }
      if (e.kind == RegistryError::Kind::Unreachable) return fromRegistryError(e, out.digest, false);
      if (!unreadable) unreadable = fromRegistryError(e, out.digest, false);
      unusable.push_back(blobDigest + ": " + e.what());
      continue;
    }
    const PublicKey* signer = nullptr;
    for (const auto& key : keys) {
      if (key.verifies(payload, signature)) {
        signer = &key;
        break;
      }
    }
    if (!signer) continue;
    const SignedDigest named = signedDigestOf(payload);
    if (!named.ok) {
      unusable.push_back(blobDigest + ": " + named.problem);
    } else if (named.digest != out.digest) {
      otherDigests.push_back(named.digest.empty() ? "no digest (critical.image.docker-manifest-digest)" : named.digest);
    } else {
      out.status = VerifyStatus::Verified;
      out.keyName = signer->name();
      out.reason = "signature " + blobDigest + " verified with " + signer->name();
      return out;
    }
  }
  // 4. Nothing verified: the most specific failure wins.
  std::string target = image.registry + "/" + repo + "@" + out.digest;
  if (!otherDigests.empty()) {
    out.status = VerifyStatus::PayloadNamesOtherDigest;
    out.reason = "a valid signature's payload names " + otherDigests.front() + ", not " + target;
  } else if (!tampered.empty()) {
    out.status = VerifyStatus::TamperedPayload;
    out.reason = "signature payload tampered: " + tampered.front();
  } else if (signatures == 0) {
    out.status = VerifyStatus::NoSignature;
    out.reason = "no cosign signature: " + signatureTag(out.digest) + " has no layer with a " + kSignatureAnnotation +
                 " annotation";
  } else if (unreadable && unusable.size() == signatures) {
    return *unreadable;  // no signature could even be read: the registry's answer is the reason
  } else {
    out.status = VerifyStatus::NoKeyMatched;
    out.reason = std::to_string(signatures) + " signature(s) on " + target + ", none verifies with the " +
                 std::to_string(keys.size()) + " key(s) given" + (unusable.empty() ? "" : " (" + unusable.front() + ")");
  }
  return out;
}

}  // namespace images
