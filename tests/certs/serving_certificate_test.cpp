// ServingCertificate: loading, reload (a new valid pair is taken, a broken or half-written one is not
// and the old pair keeps serving), and which certificate a TLS handshake actually presents.
#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "certs/serving_certificate.h"

namespace fs = std::filesystem;

namespace {

// A folder with self-signed pairs made by the openssl CLI: NAME.crt / NAME.key with CN=NAME.
struct PairDir {
  fs::path dir = fs::temp_directory_path() / ("kguard-certs-test-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
  PairDir() { fs::create_directories(dir); }
  ~PairDir() { fs::remove_all(dir); }
  std::string path(const std::string& file) const { return (dir / file).string(); }
  void make(const std::string& cn) const {
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + cn + " -keyout " + path(cn + ".key") +
                      " -out " + path(cn + ".crt") + " >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  // Installs NAME's certificate and/or key as the served files tls.crt / tls.key.
  void serve(const std::string& certOf, const std::string& keyOf) const {
    if (!certOf.empty()) fs::copy_file(path(certOf + ".crt"), path("tls.crt"), fs::copy_options::overwrite_existing);
    if (!keyOf.empty()) fs::copy_file(path(keyOf + ".key"), path("tls.key"), fs::copy_options::overwrite_existing);
  }
  void write(const std::string& file, const std::string& text) const { std::ofstream(path(file)) << text; }
};

std::string commonName(X509* cert) {
  char name[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
  return name;
}

// One TLS handshake in memory (a BIO pair, no sockets) against a server context the certificate is
// installed on; returns the CN of the certificate the client was shown.
std::string handshakeCommonName(certs::ServingCertificate& certificate) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> serverCtx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> clientCtx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  certificate.installOn(serverCtx.get());
  std::unique_ptr<SSL, decltype(&SSL_free)> server(SSL_new(serverCtx.get()), SSL_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> client(SSL_new(clientCtx.get()), SSL_free);
  BIO *clientSide = nullptr, *serverSide = nullptr;
  REQUIRE(BIO_new_bio_pair(&clientSide, 0, &serverSide, 0) == 1);
  SSL_set_bio(client.get(), clientSide, clientSide);
  SSL_set_bio(server.get(), serverSide, serverSide);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  for (int round = 0; round < 20; ++round) {
    int c = SSL_do_handshake(client.get());
    int s = SSL_do_handshake(server.get());
    if (c == 1 && s == 1) break;
  }
  X509* peer = SSL_get_peer_certificate(client.get());
  REQUIRE(peer);
  std::string cn = commonName(peer);
  X509_free(peer);
  return cn;
}

}  // namespace

TEST_CASE("serving certificate: a missing, unparsable or mismatched pair is refused at start, naming the file") {
  PairDir d;
  d.make("one");
  d.make("two");
  CHECK_THROWS_WITH(certs::ServingCertificate(d.path("nope.crt"), d.path("one.key")),
                    d.path("nope.crt") + ": cannot read file");
  d.write("garbage.crt", "not a certificate\n");
  CHECK_THROWS_WITH(certs::ServingCertificate(d.path("garbage.crt"), d.path("one.key")),
                    Catch::StartsWith(d.path("garbage.crt") + ": no PEM certificate"));
  CHECK_THROWS_WITH(certs::ServingCertificate(d.path("one.crt"), d.path("one.crt")),
                    Catch::StartsWith(d.path("one.crt") + ": no PEM private key"));
  CHECK_THROWS_WITH(certs::ServingCertificate(d.path("one.crt"), d.path("two.key")),
                    d.path("two.key") + ": private key does not match the certificate in " + d.path("one.crt"));
}

TEST_CASE("serving certificate: reload takes a new valid pair; broken, half-written or missing files keep the old one") {
  PairDir d;
  d.make("one");
  d.make("two");
  d.serve("one", "one");
  certs::ServingCertificate certificate(d.path("tls.crt"), d.path("tls.key"));
  CHECK(certificate.generation() == 1);
  CHECK_THAT(certificate.describe(), Catch::StartsWith("CN=one, notAfter="));
  CHECK(handshakeCommonName(certificate) == "one");

  std::string error;
  CHECK_FALSE(certificate.reloadIfChanged(&error));  // same bytes: nothing to do, no error
  CHECK(error.empty());
  CHECK(certificate.generation() == 1);

  SECTION("a new matching pair is served by the next handshake") {
    d.serve("two", "two");
    CHECK(certificate.reloadIfChanged(&error));
    CHECK(certificate.generation() == 2);
    CHECK_THAT(certificate.describe(), Catch::StartsWith("CN=two,"));
    CHECK(handshakeCommonName(certificate) == "two");
    CHECK_FALSE(certificate.reloadIfChanged());  // and only once
  }
  SECTION("a garbled certificate file is refused with its name; the old pair keeps serving") {
    d.write("tls.crt", "-----BEGIN CERTIFICATE-----\ntruncated");
    CHECK_FALSE(certificate.reloadIfChanged(&error));
    CHECK_THAT(error, Catch::StartsWith(d.path("tls.crt") + ": no PEM certificate"));
    CHECK(certificate.generation() == 1);
    CHECK(handshakeCommonName(certificate) == "one");
  }
  SECTION("a half-written rotation (new certificate, old key) waits for the key") {
    d.serve("two", "");
    CHECK_FALSE(certificate.reloadIfChanged(&error));
    CHECK(error == d.path("tls.key") + ": private key does not match the certificate in " + d.path("tls.crt"));
    CHECK(handshakeCommonName(certificate) == "one");
    d.serve("", "two");
    CHECK(certificate.reloadIfChanged(&error));
    CHECK(certificate.generation() == 2);
    CHECK(handshakeCommonName(certificate) == "two");
  }
  SECTION("a file deleted mid-rotation is an error, not an empty certificate") {
    fs::remove(d.path("tls.key"));
    CHECK_FALSE(certificate.reloadIfChanged(&error));
    CHECK(error == d.path("tls.key") + ": cannot read file");
    CHECK(handshakeCommonName(certificate) == "one");
    d.serve("", "one");  // back as it was: unchanged, nothing to do
    CHECK_FALSE(certificate.reloadIfChanged());
    CHECK(certificate.generation() == 1);
  }
}
