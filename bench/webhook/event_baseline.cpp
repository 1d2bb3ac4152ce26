// Diagnostic for run.sh and quick local runs: kguard's event-driven HTTPS server (webhook/event_server.h)
// without the API server. `fixed` answers POST /validate with a fixed body (like nginx and
// httplib_baseline: the transport alone); `webhook` runs kguard's whole webhook (WebhookServer +
// Validator, default config) with every namespace labelled enforce=restricted, i.e. kguard minus the
// namespace watch.
//
//   event_baseline CERT KEY PORT fixed RESPONSE_FILE
//   event_baseline CERT KEY PORT webhook [EVENT_LOOPS]
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <openssl/ssl.h>

#include "certs/serving_certificate.h"
#include "webhook/admission/validator.h"
#include "webhook/event_server.h"
#include "webhook/server.h"

namespace {

struct RestrictedEverywhere : admission::NamespaceGetter, admission::PodLister {
  admission::NamespaceLookup getNamespace(const std::string&, admission::Deadline) override {
    return {true, {{"pod-security.kubernetes.io/enforce", "restricted"}}, ""};
  }
  bool hasCached(const std::string&) const override { return true; }
  admission::PodList listPods(const std::string&, std::chrono::milliseconds) override { return {true, {}, "", {}}; }
};

int serveFixed(certs::ServingCertificate& certificate, int port, const std::string& body) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_read_ahead(ctx, 1);
  certificate.installOn(ctx);
  webhook::EventServerOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  webhook::EventServer server(
      options, ctx, [](const webhook::HttpRequest&) { return std::optional<webhook::HttpResponse>(); },
      [&body](webhook::HttpRequest& request) {
        webhook::HandlerResult result;
        result.response.contentType = "application/json";
        result.response.body = request.path == "/readyz" ? "ok\n" : body;
        return result;
      });
  server.bind();
  server.serve();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: " << argv[0] << " CERT KEY PORT fixed RESPONSE_FILE | CERT KEY PORT webhook\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  certs::ServingCertificate certificate(argv[1], argv[2]);
  const int port = std::atoi(argv[3]);
  const std::string mode = argv[4];
  if (mode == "fixed" && argc == 6) {
    std::ifstream file(argv[5]);
    std::stringstream text;
    text << file.rdbuf();
    return serveFixed(certificate, port, text.str());
  }
  RestrictedEverywhere cluster;
  webhook::Metrics metrics;
  admission::Validator validator(config::KguardConfig{}, cluster, cluster, metrics);
  webhook::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  if (argc > 5) options.loops = std::atoi(argv[5]);
  webhook::WebhookServer server(options, validator, metrics, certificate, [] { return true; });
  server.bind();
  server.serve();
  return 0;
}
