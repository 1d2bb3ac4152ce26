#pragma once
// A client of the OCI distribution API (https://github.com/opencontainers/distribution-spec), enough to
// read images and their cosign signatures: manifests by tag or digest, blobs by digest. Every byte it
// returns is checked against the digest that names it. Plain HTTP for `insecure` registries, HTTPS
// with the system CAs or a CA file; anonymous, basic credentials (.dockerconfigjson) and bearer
// tokens (`WWW-Authenticate: Bearer realm=...,service=...,scope=...`, as Docker's token spec).
//
// Thread safety: every request opens its own connection; the token cache is guarded by a mutex.
#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "images/deadline.h"

namespace images {

struct RegistryError : std::runtime_error {
  enum class Kind {
    Unreachable,     // no connection, TLS failure, or the deadline passed
    NotFound,        // 404: no such repository, tag, manifest or blob
    Denied,          // 401/403 after authenticating
    DigestMismatch,  // the registry served bytes that do not hash to the digest naming them
    BadResponse,     // any other status or an unusable answer
  };
  RegistryError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
  Kind kind;
};

struct RegistryOptions {
  bool insecure = false;  // plain HTTP
  std::string caFile;     // PEM bundle trusted for HTTPS instead of the system CAs ("" = system)
  std::string username;   // basic credentials, sent to the registry (basic challenge) or its token realm
  std::string password;
  size_t maxManifestBytes = 4u << 20;  // containerd's limit for manifests
  std::string userAgent = "kguard/0.1";
};

struct Manifest {
  std::string digest;     // "sha256:<hex>", checked against the body
  std::string mediaType;  // Content-Type of the answer
  std::string body;
};

// Credentials for `host` in a .dockerconfigjson / config.json text (`auths.<host>.auth` base64
// "user:password", or `username`/`password`); Docker Hub is also looked up as
// "https://index.docker.io/v1/". Returns false when none. Throws std::invalid_argument when malformed.
bool credentialsFromDockerConfig(const std::string& json, const std::string& host, std::string& username,
                                 std::string& password);

class RegistryClient {
 public:
  // `host` is host[:port] as in an image reference's registry part ("registry-1.docker.io").
  RegistryClient(std::string host, RegistryOptions options);
  ~RegistryClient();

  // The manifest (or index) for a tag or digest. For a digest the body must hash to it; for a tag the
  // digest is the sha256 of the body, and a Docker-Content-Digest header must agree with it.
  Manifest getManifest(const std::string& repository, const std::string& reference, const Deadline& deadline) const;
  // The digest a tag (or digest) currently names: HEAD with Docker-Content-Digest, else a GET.
  std::string resolveDigest(const std::string& repository, const std::string& reference, const Deadline& deadline) const;
  // A blob's bytes (at most maxBytes), checked against `digest`.
  std::string getBlob(const std::string& repository, const std::string& digest, size_t maxBytes,
                      const Deadline& deadline) const;

  const std::string& host() const { return host_; }

 private:
  struct Response;
  Response request(const std::string& method, const std::string& path, const std::string& accept,
                   const std::string& scope, size_t maxBytes, const Deadline& deadline) const;
  Response send(const std::string& url, const std::string& method, const std::string& accept,
                const std::string& authorization, size_t maxBytes, const Deadline& deadline) const;
  std::string fetchToken(const std::string& challenge, const std::string& scope, const Deadline& deadline) const;

  std::string host_;
  RegistryOptions options_;
  mutable std::mutex tokenMutex_;
  mutable std::map<std::string, std::string> tokens_;  // scope -> bearer token
  mutable std::atomic<bool> basicChallenged_{false};  // the registry asked for basic auth once: send it up front
};

// The sha256 digest of `bytes` as "sha256:<hex>".
std::string sha256Digest(const std::string& bytes);

}  // namespace images
