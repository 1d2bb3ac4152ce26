// OpenSSL helpers behind kubeconfig `*-data` fields and the client's TLS setup (kube/api_tls.h).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "api_test_support.h"
#include "kube/api_tls.h"

using kube_test::testPki;

TEST_CASE("decodeBase64: padded, unpadded, wrapped and invalid input") {
  CHECK(kube::tls::decodeBase64("aGVsbG8=") == "hello");
  CHECK(kube::tls::decodeBase64("aGVsbG8") == "hello");
  CHECK(kube::tls::decodeBase64("aGVs\nbG8=\n") == "hello");
  CHECK(kube::tls::decodeBase64("aGk=") == "hi");
  CHECK(kube::tls::decodeBase64("") == "");
  CHECK(kube::tls::decodeBase64(std::string("AAEC/w==")) == std::string("\x00\x01\x02\xff", 4));
  for (const char* bad : {"a", "aGVsbG8===", "aGV*bG8=", "aG=sbG8=", "===="})
    CHECK_THROWS_WITH(kube::tls::decodeBase64(bad), "invalid base64");
}

TEST_CASE("readCertificates: bundles, garbage and truncated blocks") {
  auto bundle = kube::tls::readCertificates(testPki().pem("ca.crt") + testPki().pem("other-ca.crt"));
  CHECK(bundle.size() == 2);
  CHECK_THROWS_WITH(kube::tls::readCertificates("hello"), "no PEM certificate found");
  CHECK_THROWS_WITH(kube::tls::readCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
                    Catch::StartsWith("malformed PEM certificate"));
  std::string truncated = testPki().pem("ca.crt");
  truncated.resize(truncated.size() / 2);
  CHECK_THROWS(kube::tls::readCertificates(truncated));
}

TEST_CASE("readPrivateKey: keys, certificates and encrypted keys") {
  CHECK(kube::tls::readPrivateKey(testPki().pem("client.key")) != nullptr);
  CHECK_THROWS_WITH(kube::tls::readPrivateKey("nothing"), "no PEM private key found");
  CHECK_THROWS_WITH(kube::tls::readPrivateKey(testPki().pem("client.crt")),
                    Catch::StartsWith("malformed or encrypted PEM private key"));
  kube_test::TempDir dir;
  std::string out = dir.file("enc.key");
  REQUIRE(std::system(("openssl pkey -in '" + testPki().file("client.key") + "' -aes256 -passout pass:pw -out '" +
                       out + "' 2>/dev/null")
                          .c_str()) == 0);
  CHECK_THROWS_WITH(kube::tls::readPrivateKey(kube_test::readFile(out)),
                    Catch::StartsWith("malformed or encrypted PEM private key"));
}
