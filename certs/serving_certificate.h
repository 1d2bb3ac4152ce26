#pragma once
// The webhook's serving certificate, reloaded from disk without a restart. Each TLS handshake takes the
// certificate and key from one immutable pair, swapped atomically when both files hold a new, matching
// pair; a half-written update (new certificate, old key) is ignored until the pair matches again.
#include <memory>
#include <mutex>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace certs {

struct KeyPair;  // certificate chain + private key, immutable once loaded

class ServingCertificate {
 public:
  // Loads the pair; throws std::runtime_error naming the file when it is missing, unparsable or
  // the key does not match the certificate.
  ServingCertificate(std::string certFile, std::string keyFile);
  ~ServingCertificate();

  // Re-reads both files; swaps in the new pair when their bytes changed and they form a valid pair.
  // Returns true when a new pair was installed. `error` says why a changed pair was not taken.
  bool reloadIfChanged(std::string* error = nullptr);

  // Makes every new handshake on `ctx` use the current pair (SSL_CTX_set_cert_cb).
  void installOn(SSL_CTX* ctx);

  // Subject CN and notAfter of the current certificate, for logs.
  std::string describe() const;
  uint64_t generation() const;  // increments on each successful reload

 private:
  static int certCallback(SSL* ssl, void* self);
  std::shared_ptr<const KeyPair> current() const;

  std::string certFile_, keyFile_;
  mutable std::mutex mutex_;
  std::shared_ptr<const KeyPair> pair_;
  std::string certBytes_, keyBytes_;
  uint64_t generation_ = 0;
};

}  // namespace certs
