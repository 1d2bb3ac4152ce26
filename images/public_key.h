#pragma once
// A signature verification key as cosign uses one (`cosign verify --key`): a PEM public key
// (SubjectPublicKeyInfo, or PKCS#1 for RSA) of type ECDSA P-256/P-384, RSA or Ed25519.
#include <memory>
#include <string>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace images {

class PublicKey {
 public:
  enum class Type { EcdsaP256, EcdsaP384, Rsa, Ed25519 };

  // Reads the first PUBLIC KEY (or PKCS#1 RSA PUBLIC KEY) block of `pem`, as cosign does; `name` (a file
  // path, "inline key #2") names it in errors and results. Throws std::invalid_argument for no key (naming
  // the block found instead: a private key given for its public key), a malformed one or another type.
  static PublicKey fromPem(const std::string& pem, const std::string& name);
  // Reads a PEM file; throws std::invalid_argument naming the file when unreadable or malformed.
  static PublicKey fromFile(const std::string& path);

  // True if `signature` (raw bytes: ASN.1 DER for ECDSA, as Go's ecdsa.SignASN1 writes it) is a valid
  // signature of `message` under this key with the hash cosign uses for the key type:
  //  - ECDSA: SHA-256 (cosign's LoadPublicKey hard-codes crypto.SHA256 for --key, whatever the curve);
  //    for P-384 also SHA-384, sigstore's algorithm-registry choice (ecdsa-sha2-384-nistp384) that
  //    newer cosign signs with when asked (--signing-algorithm);
  //  - RSA: PKCS#1 v1.5 with SHA-256 (sigstore's RSAPKCS1v15Verifier, cosign's default for RSA);
  //  - Ed25519: pure Ed25519 over the message (no pre-hash).
  bool verifies(const std::string& message, const std::string& signature) const;

  Type type() const { return type_; }
  const std::string& name() const { return name_; }
  // sha256 of the key's DER SubjectPublicKeyInfo, hex: the key itself, whatever file or PEM spelling held it.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  Type type_ = Type::EcdsaP256;
  std::string name_;
  std::string fingerprint_;
  std::shared_ptr<EVP_PKEY> key_;  // immutable after construction, so safe to share across threads
};

// The keys one policy trusts; `id` ("rules.imageSignatures[0]") names the set in messages.
struct TrustedKeys {
  std::string id;
  std::vector<PublicKey> keys;

  // The id and the fingerprint of every key: what a remembered verdict was judged with, so that a digest
  // verified with one policy's keys is never taken as verified for another's (nor for the same id holding
  // other keys).
  std::string identity() const;
};

}  // namespace images
