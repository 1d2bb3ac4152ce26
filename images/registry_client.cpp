#include "images/registry_client.h"

#include <cctype>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "images/host_resolver.h"
#include "images/image_reference.h"
#include "kube/api_client.h"  // urlEncode
#include "kube/api_tls.h"     // decodeBase64

namespace images {
namespace {

using Kind = RegistryError::Kind;

const char* kManifestAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

struct Url {
  std::string schemeHostPort;  // "https://host:port"
  std::string pathAndQuery;
};

Url splitUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) throw RegistryError(Kind::BadResponse, "not an absolute URL: " + url);
  size_t path = url.find('/', scheme + 3);
  if (path == std::string::npos) return {url, "/"};
  return {url.substr(0, path), url.substr(path)};
}

// The host (IPv6 without brackets, as httplib keys its address map) and port of "scheme://host[:port]".
std::pair<std::string, int> hostAndPort(const std::string& schemeHostPort) {
  bool https = schemeHostPort.rfind("https://", 0) == 0;
  std::string rest = schemeHostPort.substr(schemeHostPort.find("://") + 3);
  std::string host = rest;
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) throw RegistryError(Kind::BadResponse, "unusable URL " + schemeHostPort);
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (port.empty()) return {host, https ? 443 : 80};
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    throw RegistryError(Kind::BadResponse, "unusable port in " + schemeHostPort);
  return {host, std::stoi(port)};
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The parameters of a `WWW-Authenticate: Bearer k="v",k2="v2"` challenge (RFC 6750 / Docker token spec).
std::map<std::string, std::string> challengeParams(const std::string& header) {
  std::map<std::string, std::string> out;
  size_t i = header.find(' ');
  while (i != std::string::npos && i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    size_t eq = header.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = lower(header.substr(i, eq - i));
    std::string value;
    size_t j = eq + 1;
    if (j < header.size() && header[j] == '"') {
      for (++j; j < header.size() && header[j] != '"'; ++j) {
        if (header[j] == '\\' && j + 1 < header.size()) ++j;
        value += header[j];
      }
      ++j;
    } else {
      size_t end = header.find(',', j);
      value = header.substr(j, end == std::string::npos ? std::string::npos : end - j);
      j = end;
    }
    out[key] = value;
    i = j;
  }
  return out;
}

std::string basicAuthorization(const RegistryOptions& o) {
  return httplib::make_basic_authentication_header(o.username, o.password).second;
}

}  // namespace

std::string sha256Digest(const std::string& bytes) {
  unsigned char sum[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), sum);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned char b : sum) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

bool credentialsFromDockerConfig(const std::string& json, const std::string& host, std::string& username,
                                 std::string& password) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw std::invalid_argument("docker config: not a JSON object");
  auto auths = doc.find("auths");
  if (auths == doc.end()) return false;
  if (!auths->is_object()) throw std::invalid_argument("docker config: auths is not an object");
  auto use = [&](const std::string& key, const nlohmann::json& entry) {
    if (!entry.is_object()) throw std::invalid_argument("docker config: auths[\"" + key + "\"] is not an object");
    auto text = [&](const char* field) {  // json::value would throw a type_error for a non-string
      auto it = entry.find(field);
      if (it == entry.end() || it->is_null()) return std::string();
      if (!it->is_string())
        throw std::invalid_argument("docker config: auths[\"" + key + "\"]." + field + " is not a string");
      return it->get<std::string>();
    };
    std::string auth = text("auth");
    if (!auth.empty()) {
      std::string plain;
      try {
        plain = kube::tls::decodeBase64(auth);
      } catch (const std::exception&) {
        throw std::invalid_argument("docker config: auths[\"" + key + "\"].auth is not base64");
      }
      size_t colon = plain.find(':');
      if (colon == std::string::npos)
        throw std::invalid_argument("docker config: auths[\"" + key + "\"].auth is not base64 of user:password");
      username = plain.substr(0, colon);
      password = plain.substr(colon + 1);
      return true;
    }
    username = text("username");
    password = text("password");
    return !username.empty();
  };
  std::vector<std::string> keys{host, "https://" + host, "http://" + host};
  if (registryServer(host) == registryServer("docker.io")) keys.insert(keys.end(), {"https://index.docker.io/v1/", "index.docker.io", "docker.io"});
  for (const auto& key : keys) {
    auto entry = auths->find(key);
    if (entry != auths->end()) return use(key, *entry);
  }
  // Then any key naming the same server, as Docker reads keys (registry.ConvertToHostname: no scheme, no
  // path): `kubectl create secret docker-registry --docker-server=https://registry.example.com/v2/`, or
  // another spelling of the host (case, :443).
  const std::string server = registryServer(host);
  for (auto entry = auths->begin(); entry != auths->end(); ++entry) {
    std::string name = entry.key();
    for (const char* scheme : {"https://", "http://"})
      if (name.rfind(scheme, 0) == 0) name.erase(0, std::string(scheme).size());
    name = name.substr(0, name.find('/'));
    if (!name.empty() && registryServer(name) == server) return use(entry.key(), entry.value());
  }
  return false;
}

struct RegistryClient::Response {
  int status = 0;
  httplib::Headers headers;
  std::string body;
  std::string header(const std::string& name) const {
    for (const auto& h : headers)
      if (lower(h.first) == lower(name)) return h.second;
    return "";
  }
};

RegistryClient::RegistryClient(std::string host, RegistryOptions options)
    : host_(std::move(host)), options_(std::move(options)) {}
RegistryClient::~RegistryClient() = default;

// One HTTP exchange, bounded by the deadline (connect, each read, and the whole body).
RegistryClient::Response RegistryClient::send(const std::string& url, const std::string& method,
                                              const std::string& accept, const std::string& authorization,
                                              size_t maxBytes, const Deadline& deadline) const {
  if (deadline.expired()) throw RegistryError(Kind::Unreachable, "time budget exhausted before " + method + " " + url);
  Url parts = splitUrl(url);
  // Named copies, not a structured binding: C++17 lets no lambda capture one (clang refuses it).
  const auto hostPort = hostAndPort(parts.schemeHostPort);
  const std::string& host = hostPort.first;
  const int port = hostPort.second;

  // One attempt at `address`; false (with `err`) when the exchange failed before an answer.
  Response out;
  httplib::Error err = httplib::Error::Success;
  auto attempt = [&](const std::string& address) {
    httplib::Client client(parts.schemeHostPort);
    if (!client.is_valid()) throw RegistryError(Kind::BadResponse, "unusable URL " + url);
    client.set_hostname_addr_map({{host, address}});
    auto left = deadline.remaining();
    time_t sec = static_cast<time_t>(left.count() / 1000);
    time_t usec = static_cast<time_t>((left.count() % 1000) * 1000);
    client.set_connection_timeout(sec, usec);
    client.set_read_timeout(sec, usec);
    client.set_write_timeout(sec, usec);
    client.set_keep_alive(false);
    client.set_follow_location(false);  // credentials must not follow a redirect elsewhere
    if (parts.schemeHostPort.rfind("https://", 0) == 0) {
      client.enable_server_certificate_verification(true);  // chain and host name (SAN DNS/IP)
      if (!options_.caFile.empty()) client.set_ca_cert_path(options_.caFile.c_str());
    }

    httplib::Request req;
    req.method = method;
    req.path = parts.pathAndQuery;
    req.headers = {{"User-Agent", options_.userAgent}};
    if (!accept.empty()) req.headers.emplace("Accept", accept);
    if (!authorization.empty()) req.headers.emplace("Authorization", authorization);
    bool tooLarge = false, late = false;
    req.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
      if (deadline.expired()) return !(late = true);
      if (out.body.size() + length > maxBytes) return !(tooLarge = true);
      out.body.append(data, length);
      return true;
    };
    httplib::Response res;
    err = httplib::Error::Success;
    bool sent = client.send(req, res, err);
    if (late || (!sent && deadline.expired()))
      throw RegistryError(Kind::Unreachable, method + " " + url + ": time budget exhausted");
    if (tooLarge) throw RegistryError(Kind::BadResponse, method + " " + url + ": answer larger than " + std::to_string(maxBytes) + " bytes");
    out.status = res.status;
    out.headers = res.headers;
    return sent;
  };

  // httplib would resolve the host itself with a blocking getaddrinfo: resolve within the budget and hand
  // it the address, so that the Host header, SNI and certificate check still use the host name.
  std::vector<std::string> addresses = resolveHostWithin(host, port, deadline);
  for (size_t i = 0;; ++i) {
    if (attempt(addresses[i])) return out;
    // As httplib does with getaddrinfo's list: the next address when one refuses the connection.
    if (err == httplib::Error::Connection && i + 1 < addresses.size() && !deadline.expired()) continue;
    std::string ssl = kube::tls::takeOpenSslError();
    throw RegistryError(Kind::Unreachable, method + " " + url + ": " + httplib::to_string(err) + (ssl.empty() ? "" : ": " + ssl));
  }
}

// Docker's token flow: GET realm?service=...&scope=..., answer {"token": ...} or {"access_token": ...}.
std::string RegistryClient::fetchToken(const std::string& challenge, const std::string& scope,
                                       const Deadline& deadline) const {
  auto params = challengeParams(challenge);
  std::string realm = params["realm"];
  if (realm.rfind("https://", 0) != 0 && !(options_.insecure && realm.rfind("http://", 0) == 0))
    throw RegistryError(Kind::BadResponse, host_ + ": token realm \"" + realm + "\" is not an https URL");
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  url += "service=" + kube::urlEncode(params["service"]);
  std::string wanted = params.count("scope") ? params["scope"] : scope;
  if (!wanted.empty()) url += "&scope=" + kube::urlEncode(wanted);
  std::string auth = options_.username.empty() ? "" : basicAuthorization(options_);
  Response res = send(url, "GET", "application/json", auth, 1u << 20, deadline);
  if (res.status == 401 || res.status == 403)
    throw RegistryError(Kind::Denied, host_ + ": token service " + realm + " refused (HTTP " + std::to_string(res.status) +
                                          (options_.username.empty() ? ", no credentials configured)" : ", the configured credentials)"));
  if (res.status != 200)
    throw RegistryError(Kind::BadResponse, host_ + ": token service " + realm + " answered HTTP " + std::to_string(res.status));
  nlohmann::json doc = nlohmann::json::parse(res.body, nullptr, false);
  std::string token;
  if (doc.is_object()) {
    if (doc.contains("token") && doc["token"].is_string()) token = doc["token"];
    else if (doc.contains("access_token") && doc["access_token"].is_string()) token = doc["access_token"];
  }
  if (token.empty()) throw RegistryError(Kind::BadResponse, host_ + ": token service " + realm + " sent no token");
  return token;
}

// A request to the registry, authenticating once when it challenges (401 + WWW-Authenticate).
RegistryClient::Response RegistryClient::request(const std::string& method, const std::string& path,
                                                 const std::string& accept, const std::string& scope,
                                                 size_t maxBytes, const Deadline& deadline) const {
  std::string url = std::string(options_.insecure ? "http://" : "https://") + host_ + path;
  std::string auth;
  {
    std::lock_guard<std::mutex> lock(tokenMutex_);
    auto cached = tokens_.find(scope);
    if (cached != tokens_.end()) auth = "Bearer " + cached->second;
  }
  if (auth.empty() && basicChallenged_ && !options_.username.empty()) auth = basicAuthorization(options_);
  Response res = send(url, method, accept, auth, maxBytes, deadline);
  if (res.status != 401) return res;
  std::string challenge = res.header("WWW-Authenticate");
  std::string scheme = lower(challenge.substr(0, challenge.find(' ')));
  if (scheme == "bearer") {
    std::string token = fetchToken(challenge, scope, deadline);
    {
      std::lock_guard<std::mutex> lock(tokenMutex_);
      tokens_[scope] = token;
    }
    res = send(url, method, accept, "Bearer " + token, maxBytes, deadline);
  } else if (scheme == "basic" && !options_.username.empty() && auth.empty()) {
    basicChallenged_ = true;
    res = send(url, method, accept, basicAuthorization(options_), maxBytes, deadline);
  }
  if (res.status == 401 || res.status == 403)
    throw RegistryError(Kind::Denied, method + " " + url + ": access denied (HTTP " + std::to_string(res.status) +
                                          (options_.username.empty() ? ", no credentials configured)" : ", the configured credentials)"));
  return res;
}

Manifest RegistryClient::getManifest(const std::string& repository, const std::string& reference,
                                     const Deadline& deadline) const {
  std::string path = "/v2/" + repository + "/manifests/" + reference;
  Response res = request("GET", path, kManifestAccept, "repository:" + repository + ":pull", options_.maxManifestBytes, deadline);
  std::string where = host_ + "/" + repository + " manifest " + reference;
  if (res.status == 404) throw RegistryError(Kind::NotFound, where + ": not found");
  if (res.status != 200) throw RegistryError(Kind::BadResponse, where + ": HTTP " + std::to_string(res.status));
  Manifest out;
  out.body = std::move(res.body);
  out.mediaType = res.header("Content-Type");
  out.digest = sha256Digest(out.body);
  if (isSha256Digest(reference) && out.digest != reference)
    throw RegistryError(Kind::DigestMismatch, where + ": the body hashes to " + out.digest);
  std::string announced = res.header("Docker-Content-Digest");
  if (!announced.empty() && announced != out.digest)
    throw RegistryError(Kind::DigestMismatch, where + ": Docker-Content-Digest " + announced + " but the body hashes to " + out.digest);
  return out;
}

std::string RegistryClient::resolveDigest(const std::string& repository, const std::string& reference,
                                          const Deadline& deadline) const {
  std::string path = "/v2/" + repository + "/manifests/" + reference;
  Response res = request("HEAD", path, kManifestAccept, "repository:" + repository + ":pull", 0, deadline);
  std::string where = host_ + "/" + repository + " manifest " + reference;
  if (res.status == 404) throw RegistryError(Kind::NotFound, where + ": not found");
  std::string announced = res.header("Docker-Content-Digest");
  // Without a usable header (some registries omit it on HEAD) the body is fetched and hashed.
  if (res.status == 200 && isSha256Digest(announced)) return announced;
  return getManifest(repository, reference, deadline).digest;
}

std::string RegistryClient::getBlob(const std::string& repository, const std::string& digest, size_t maxBytes,
                                    const Deadline& deadline) const {
  std::string where = host_ + "/" + repository + " blob " + digest;
  if (!isSha256Digest(digest)) throw RegistryError(Kind::BadResponse, where + ": not a sha256 digest");
  Response res = request("GET", "/v2/" + repository + "/blobs/" + digest, "", "repository:" + repository + ":pull", maxBytes, deadline);
  // Registries may redirect blob reads to storage; follow without credentials (as Docker does).
  for (int hop = 0; hop < 3 && (res.status == 301 || res.status == 302 || res.status == 303 || res.status == 307 || res.status == 308); ++hop) {
    std::string location = res.header("Location");
    if (location.empty()) break;
    if (location.front() == '/') location = std::string(options_.insecure ? "http://" : "https://") + host_ + location;
    res = send(location, "GET", "", "", maxBytes, deadline);
  }
  if (res.status == 404) throw RegistryError(Kind::NotFound, where + ": not found");
  if (res.status != 200) throw RegistryError(Kind::BadResponse, where + ": HTTP " + std::to_string(res.status));
  std::string actual = sha256Digest(res.body);
  if (actual != digest) throw RegistryError(Kind::DigestMismatch, where + ": the registry served bytes hashing to " + actual);
  return std::move(res.body);
}

}  // namespace images
