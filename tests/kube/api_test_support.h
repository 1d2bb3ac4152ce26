#pragma once
// Helpers for the API client tests: temp folders, throw-away certificates made with the openssl CLI.
#include <string>

namespace kube_test {

// A fresh folder under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& text);
std::string base64(const std::string& data);

// PEM files made once per test process in a shared temp folder:
//   ca.crt/ca.key            a CA
//   server.crt/server.key    signed by the CA, SAN IP:127.0.0.1 and DNS:localhost
//   client.crt/client.key    signed by the CA, CN=kguard-test-client
//   other-ca.crt             an unrelated CA
//   wrong-host.crt/.key      signed by the CA, SAN DNS:example.invalid only
struct TestPki {
  std::string dir;
  std::string file(const std::string& name) const { return dir + "/" + name; }
  std::string pem(const std::string& name) const { return readFile(file(name)); }
};
const TestPki& testPki();

}  // namespace kube_test
