#include "api_test_support.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <openssl/evp.h>

namespace kube_test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "kguard-kube-api.XXXXXX").string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string base64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + command);
}

// One leaf certificate signed by ca.crt, with the given subject and SANs.
void makeLeaf(const std::string& dir, const std::string& name, const std::string& cn, const std::string& san,
              const std::string& usage) {
  std::string d = "'" + dir + "'/";
  run("openssl req -newkey rsa:2048 -nodes -keyout " + d + name + ".key -subj '/CN=" + cn + "' -out " + d + name +
      ".csr");
  writeFile(dir + "/" + name + ".ext", "subjectAltName=" + san + "\nextendedKeyUsage=" + usage + "\n");
  run("openssl x509 -req -in " + d + name + ".csr -CA " + d + "ca.crt -CAkey " + d + "ca.key -CAcreateserial -days 2 -out " +
      d + name + ".crt -extfile " + d + name + ".ext");
}

struct PkiHolder {
  TempDir dir;
  TestPki pki;
  PkiHolder() {
    std::string d = "'" + dir.path() + "'/";
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=kguard-test-ca' -keyout " + d + "ca.key -out " + d +
        "ca.crt");
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=other-ca' -keyout " + d + "other-ca.key -out " + d +
        "other-ca.crt");
    makeLeaf(dir.path(), "server", "127.0.0.1", "IP:127.0.0.1,DNS:localhost", "serverAuth");
    makeLeaf(dir.path(), "wrong-host", "example.invalid", "DNS:example.invalid", "serverAuth");
    makeLeaf(dir.path(), "client", "kguard-test-client", "DNS:kguard-test-client", "clientAuth");
    pki.dir = dir.path();
  }
};

}  // namespace

const TestPki& testPki() {
  static PkiHolder holder;  // made on first use, removed at exit
  return holder.pki;
}

}  // namespace kube_test
