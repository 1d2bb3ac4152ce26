#include "certs/serving_certificate.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace certs {

struct KeyPair {
  X509* leaf = nullptr;
  STACK_OF(X509)* chain = nullptr;  // intermediates after the leaf, if the file has them
  EVP_PKEY* key = nullptr;
  ~KeyPair() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string opensslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

std::shared_ptr<const KeyPair> parsePair(const std::string& certPem, const std::string& keyPem,
                                         const std::string& certFile, const std::string& keyFile) {
  auto pair = std::make_shared<KeyPair>();
  std::unique_ptr<BIO, decltype(&BIO_free)> certBio(BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size())), BIO_free);
  pair->leaf = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr);
  if (!pair->leaf) throw std::runtime_error(certFile + ": no PEM certificate: " + opensslError());
  pair->chain = sk_X509_new_null();
  while (X509* extra = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr)) sk_X509_push(pair->chain, extra);
  ERR_clear_error();  // the loop ends on an expected "no start line"
  std::unique_ptr<BIO, decltype(&BIO_free)> keyBio(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())), BIO_free);
  pair->key = PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr);
  if (!pair->key) throw std::runtime_error(keyFile + ": no PEM private key: " + opensslError());
  if (X509_check_private_key(pair->leaf, pair->key) != 1)
    throw std::runtime_error(keyFile + ": private key does not match the certificate in " + certFile);
  return pair;
}

}  // namespace

ServingCertificate::ServingCertificate(std::string certFile, std::string keyFile)
    : certFile_(std::move(certFile)), keyFile_(std::move(keyFile)) {
  certBytes_ = readFile(certFile_);
  keyBytes_ = readFile(keyFile_);
  pair_ = parsePair(certBytes_, keyBytes_, certFile_, keyFile_);
  generation_ = 1;
}

ServingCertificate::~ServingCertificate() = default;

bool ServingCertificate::reloadIfChanged(std::string* error) {
  try {
    std::string cert = readFile(certFile_);
    std::string key = readFile(keyFile_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cert == certBytes_ && key == keyBytes_) return false;
    }
    auto pair = parsePair(cert, key, certFile_, keyFile_);
    std::lock_guard<std::mutex> lock(mutex_);
    pair_ = std::move(pair);
    certBytes_ = std::move(cert);
    keyBytes_ = std::move(key);
    ++generation_;
    return true;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return false;
  }
}

std::shared_ptr<const KeyPair> ServingCertificate::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pair_;
}

uint64_t ServingCertificate::generation() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return generation_;
}

int ServingCertificate::certCallback(SSL* ssl, void* self) {
  auto pair = static_cast<ServingCertificate*>(self)->current();
  if (SSL_use_certificate(ssl, pair->leaf) != 1) return 0;
  if (SSL_use_PrivateKey(ssl, pair->key) != 1) return 0;
  if (sk_X509_num(pair->chain) > 0 && SSL_set1_chain(ssl, pair->chain) != 1) return 0;
  return 1;
}

void ServingCertificate::installOn(SSL_CTX* ctx) { SSL_CTX_set_cert_cb(ctx, &ServingCertificate::certCallback, this); }

std::string ServingCertificate::describe() const {
  auto pair = current();
  char name[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(pair->leaf), NID_commonName, name, sizeof name);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASN1_TIME_print(bio.get(), X509_get0_notAfter(pair->leaf));
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string("CN=") + name + ", notAfter=" + std::string(data, static_cast<size_t>(len));
}

}  // namespace certs
