#include "images/public_key.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

namespace images {
namespace {

bool verifyWith(EVP_PKEY* key, const EVP_MD* md, const std::string& message, const std::string& signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx) return false;
  bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  ERR_clear_error();  // a failed verification leaves errors on this thread's queue
  return ok;
}

// The first public key block of `pem`, as sigstore's cryptoutils.UnmarshalPEMToPublicKey reads one:
// "PUBLIC KEY" (PKIX SubjectPublicKeyInfo) or "RSA PUBLIC KEY" (PKCS#1). Null with `problem` set when
// there is none: the first block's type is named (a private key given for its public key is the usual slip).
EVP_PKEY* readPublicKey(const std::string& pem, std::string& problem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) {
    problem = "out of memory";
    return nullptr;
  }
  std::string firstType;
  while (true) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) break;
    const std::string type = name;
    const unsigned char* p = data;
    EVP_PKEY* key = nullptr;
    if (type == "PUBLIC KEY") key = d2i_PUBKEY(nullptr, &p, len);
    else if (type == "RSA PUBLIC KEY") key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len);
    const bool isPublic = type == "PUBLIC KEY" || type == "RSA PUBLIC KEY";
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (key) {
      ERR_clear_error();
      return key;
    }
    if (isPublic) {
      problem = "its " + type + " block is malformed";
      ERR_clear_error();
      return nullptr;
    }
    if (firstType.empty()) firstType = type;
  }
  ERR_clear_error();
  if (firstType.find("PRIVATE KEY") != std::string::npos)
    problem = "holds a PEM " + firstType + " block, not a public key: give the public key (cosign.pub, or what "
              "`cosign public-key --key cosign.key` prints)";
  else if (!firstType.empty())
    problem = "holds a PEM " + firstType + " block, not a PUBLIC KEY";
  else
    problem = "no PEM \"PUBLIC KEY\" block (SubjectPublicKeyInfo) found";
  return nullptr;
}

std::string fingerprintOf(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return "";
  unsigned char sum[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), sum);
  OPENSSL_free(der);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : sum) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

}  // namespace

std::string TrustedKeys::identity() const {
  std::string out = id;
  for (const auto& k : keys) out.append(" ").append(k.fingerprint());
  return out;
}

PublicKey PublicKey::fromPem(const std::string& pem, const std::string& name) {
  auto bad = [&](const std::string& why) { return std::invalid_argument("public key " + name + ": " + why); };
  std::string problem;
  EVP_PKEY* raw = readPublicKey(pem, problem);
  if (!raw) throw bad(problem);
  PublicKey out;
  out.name_ = name;
  out.key_.reset(raw, EVP_PKEY_free);
  out.fingerprint_ = fingerprintOf(raw);
  if (out.fingerprint_.empty()) throw bad("cannot encode the key as SubjectPublicKeyInfo");
  switch (EVP_PKEY_base_id(raw)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_bits(raw) < 2048) throw bad("RSA keys shorter than 2048 bits are refused");
      out.type_ = Type::Rsa;
      break;
    case EVP_PKEY_ED25519:
      out.type_ = Type::Ed25519;
      break;
    case EVP_PKEY_EC: {
      char curve[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(raw, "group", curve, sizeof curve, &len) != 1) throw bad("EC key without a named curve");
      std::string group(curve, len);
      if (group == "prime256v1" || group == "P-256") out.type_ = Type::EcdsaP256;
      else if (group == "secp384r1" || group == "P-384") out.type_ = Type::EcdsaP384;
      else throw bad("EC curve " + group + " is not supported (P-256 or P-384)");
      break;
    }
    default:
      throw bad("unsupported key type (ECDSA P-256/P-384, RSA or Ed25519)");
  }
  return out;
}

PublicKey PublicKey::fromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("public key " + path + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return fromPem(text.str(), path);
}

bool PublicKey::verifies(const std::string& message, const std::string& signature) const {
  switch (type_) {
    case Type::Ed25519:
      return verifyWith(key_.get(), nullptr, message, signature);
    case Type::EcdsaP384:
      return verifyWith(key_.get(), EVP_sha256(), message, signature) ||
             verifyWith(key_.get(), EVP_sha384(), message, signature);
    case Type::EcdsaP256:
    case Type::Rsa:
      return verifyWith(key_.get(), EVP_sha256(), message, signature);
  }
  return false;
}

}  // namespace images
