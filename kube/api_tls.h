#pragma once
// OpenSSL helpers shared by the kubeconfig loader and the API client: base64 as kubeconfig files
// carry it (`*-data` fields) and PEM certificates/keys read from memory. Internal to kube/api_*.
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace kube {
namespace tls {

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Standard base64 (RFC 4648, padding optional, whitespace and line breaks ignored), decoded with
// OpenSSL's EVP_Decode*. Throws std::runtime_error("invalid base64") on anything else.
std::string decodeBase64(const std::string& text);
// Standard padded base64 on one line (as Go's encoding/json writes []byte).
std::string encodeBase64(const std::string& data);

// Every certificate of a PEM bundle, in order. Throws std::runtime_error when the text holds no
// certificate or a malformed one.
std::vector<X509Ptr> readCertificates(const std::string& pem);

// The first private key (PKCS#8, RSA or EC) of a PEM text. Throws std::runtime_error when missing or
// malformed, or when it is encrypted (kubeconfig keys never are: there is nowhere to put a passphrase).
PkeyPtr readPrivateKey(const std::string& pem);

// The oldest OpenSSL error of this thread as text ("" if none); clears the thread's error queue.
std::string takeOpenSslError();

}  // namespace tls
}  // namespace kube
