#pragma once
// A WebhookServer on 127.0.0.1 with certificates from certs/gen-certs.sh and a fake cluster, for the
// server tests.
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <httplib.h>
#include <unistd.h>

#include "admission/fake_cluster.h"
#include "certs/serving_certificate.h"
#include "webhook/admission/validator.h"
#include "webhook/server.h"

namespace {

namespace fs = std::filesystem;

std::string makeCerts(const std::string& name) {
  std::string dir = (fs::temp_directory_path() / ("kguard-server-test-" + name + "-" + std::to_string(::getpid()))).string();
  std::string cmd = std::string(KGUARD_SOURCE_DIR) + "/certs/gen-certs.sh --out " + dir + " --san IP:127.0.0.1,DNS:localhost >/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return dir;
}

std::string reviewFor(const std::string& podYamlAsJson, const std::string& uid = "uid-1",
                      const std::string& version = "admission.k8s.io/v1") {
  return R"({"apiVersion":")" + version + R"(","kind":"AdmissionReview","request":{"uid":")" + uid +
         R"(","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},)"
         R"("name":"p","namespace":"restricted","operation":"CREATE","userInfo":{"username":"u"},"object":)" +
         podYamlAsJson + "}}";
}

const std::string kPrivilegedPod =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x","securityContext":{"privileged":true}}]}})";

struct RunningServer {
  std::string certDir;
  admission::FakeCluster cluster;
  webhook::Metrics metrics;
  config::KguardConfig config;
  std::unique_ptr<certs::ServingCertificate> certificate;
  std::unique_ptr<admission::Validator> validator;
  std::unique_ptr<webhook::WebhookServer> server;
  std::thread thread;

  explicit RunningServer(const std::string& name, int graceMs = 0,
                         const std::function<void(webhook::ServerOptions&)>& tune = {})
      : certDir(makeCerts(name)) {
    cluster.namespaces["restricted"] = {{"pod-security.kubernetes.io/enforce", "restricted"}};
    certificate = std::make_unique<certs::ServingCertificate>(certDir + "/tls.crt", certDir + "/tls.key");
    validator = std::make_unique<admission::Validator>(config, cluster, cluster, metrics);
    webhook::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 16;
    options.certReloadIntervalMs = 100;
    options.shutdownGraceMs = graceMs;
    if (tune) tune(options);
    server = std::make_unique<webhook::WebhookServer>(options, *validator, metrics, *certificate, [] { return true; });
    server->bind();
    thread = std::thread([this] { server->serve(); });
  }
  ~RunningServer() {
    server->stop();
    thread.join();
    fs::remove_all(certDir);
  }
  std::unique_ptr<httplib::SSLClient> client() const {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", server->port());
    c->set_ca_cert_path((certDir + "/ca.crt").c_str());
    c->enable_server_certificate_verification(true);
    c->set_keep_alive(true);
    return c;
  }
};

}  // namespace
