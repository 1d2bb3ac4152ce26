#include "kube/api_tls.h"

#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace kube {
namespace tls {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memoryBio(const std::string& text) {
  // BIO_new_mem_buf takes an int length; a PEM text over 2 GiB is not a certificate anyway.
  if (text.size() > (1u << 30)) throw std::runtime_error("PEM text too large");
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) throw std::runtime_error("out of memory");
  return bio;
}

// A passphrase callback that refuses: an encrypted key must fail instead of prompting on a terminal.
int noPassphrase(char*, int, int, void*) { return -1; }

}  // namespace

std::string encodeBase64(const std::string& data) {
  std::string out((data.size() + 2) / 3 * 4 + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

std::string decodeBase64(const std::string& text) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') compact += c;
  if (compact.empty()) return "";
  // OpenSSL wants whole 4-character groups; Go writes padded base64, but unpadded input is common
  // in hand-written files, so the padding is restored here (a lone trailing character is invalid).
  size_t unpadded = compact.find_last_not_of('=') + 1;
  if (unpadded % 4 == 1 || compact.size() - unpadded > 2) throw std::runtime_error("invalid base64");
  if (unpadded == compact.size()) compact.append((4 - compact.size() % 4) % 4, '=');
  if (compact.size() % 4 != 0) throw std::runtime_error("invalid base64");
  if (compact.size() > (1u << 30)) throw std::runtime_error("invalid base64 (too large)");

  std::unique_ptr<EVP_ENCODE_CTX, void (*)(EVP_ENCODE_CTX*)> ctx(EVP_ENCODE_CTX_new(), EVP_ENCODE_CTX_free);
  if (!ctx) throw std::runtime_error("out of memory");
  EVP_DecodeInit(ctx.get());
  std::string out(compact.size() / 4 * 3 + 3, '\0');
  int written = 0, tail = 0;
  auto* dst = reinterpret_cast<unsigned char*>(&out[0]);
  if (EVP_DecodeUpdate(ctx.get(), dst, &written, reinterpret_cast<const unsigned char*>(compact.data()),
                       static_cast<int>(compact.size())) < 0 ||
      EVP_DecodeFinal(ctx.get(), dst + written, &tail) < 0)
    throw std::runtime_error("invalid base64");
  out.resize(static_cast<size_t>(written + tail));
  return out;
}

std::vector<X509Ptr> readCertificates(const std::string& pem) {
  auto bio = memoryBio(pem);
  std::vector<X509Ptr> certs;
  ERR_clear_error();
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr)) certs.emplace_back(cert);
  // Reading stops with "no start line" at the end of the text; any other error is a malformed block.
  unsigned long err = ERR_peek_last_error();
  if (err != 0 && !(ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE)) {
    std::string what = takeOpenSslError();
    throw std::runtime_error("malformed PEM certificate (" + what + ")");
  }
  ERR_clear_error();
  if (certs.empty()) throw std::runtime_error("no PEM certificate found");
  return certs;
}

PkeyPtr readPrivateKey(const std::string& pem) {
  auto bio = memoryBio(pem);
  ERR_clear_error();
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
  if (!key) {
    std::string what = takeOpenSslError();
    if (pem.find("-----BEGIN") == std::string::npos) throw std::runtime_error("no PEM private key found");
    throw std::runtime_error("malformed or encrypted PEM private key" + (what.empty() ? "" : " (" + what + ")"));
  }
  return key;
}

std::string takeOpenSslError() {
  unsigned long err = ERR_get_error();
  std::string text;
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    text = buf;
  }
  ERR_clear_error();
  return text;
}

}  // namespace tls
}  // namespace kube
