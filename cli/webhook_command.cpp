// kguard webhook --tls-cert-file F --tls-private-key-file F [--listen ADDR:PORT] [--config FILE]
//                [--kubeconfig F] [--log-level debug|info|warn|error] [--shutdown-grace-ms N]
//                [--threads N] [--event-loops N] [--max-connections N]
#include <atomic>
#include <iostream>

#include "certs/serving_certificate.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/integer_flag.h"
#include "config/kguard_config.h"
#include "kube/api_client.h"
#include "kube/kubeconfig.h"
#include "kube/manifest.h"
#include "runtime/host_port.h"
#include "runtime/log.h"
#include "runtime/stop_signals.h"
#include "webhook/admission/validator.h"
#include "webhook/namespace_cache.h"
#include "webhook/role_cache.h"
#include "webhook/server.h"
#include "cli/non_empty_flag.h"

namespace cli {
namespace {

struct WebhookFlags {
  std::string certFile, keyFile, listen = "0.0.0.0:8443", configPath, kubeconfig, logLevel = "info";
  int shutdownGraceMs = 2000;
  int threads = 64;
  int eventLoops = 0;
  size_t maxConnections = 0;
};

int runWebhook(const WebhookFlags& flags) {
  runtime::setLogLevel(runtime::parseLogLevel(flags.logLevel).value_or(runtime::LogLevel::Info));
  webhook::ServerOptions options;
  try {
    auto listen = runtime::parseHostPort(flags.listen);
    options.host = listen.bindHost();
    options.port = listen.port;
  } catch (const std::invalid_argument& e) {
    std::cerr << "kguard webhook: --listen: " << e.what() << "\n";
    return kExitUsage;
  }
  options.shutdownGraceMs = flags.shutdownGraceMs;
  options.threads = flags.threads;
  options.loops = flags.eventLoops;
  options.maxConnections = flags.maxConnections;

  // Before any thread starts: SIGTERM/SIGINT go to one thread, which starts the drain.
  std::atomic<webhook::WebhookServer*> serving{nullptr};
  runtime::StopSignals signals([&serving] {
    if (auto* server = serving.load()) server->stop();
  });

  try {
    config::KguardConfig config;
    if (!flags.configPath.empty()) config = config::loadConfig(flags.configPath);
    certs::ServingCertificate certificate(flags.certFile, flags.keyFile);
    kube::KubeConfig kubeConfig = flags.kubeconfig.empty() ? kube::inClusterConfig() : kube::loadKubeconfig(flags.kubeconfig);
    auto client = std::make_shared<const kube::ApiClient>(kubeConfig);
    webhook::NamespaceCache cache(client);
    webhook::RoleCache roles(client);  // not part of readiness: a role not cached yet is read with a GET
    webhook::Metrics metrics;
    admission::Validator validator(config, cache, cache, metrics, &roles);
    webhook::WebhookServer server(options, validator, metrics, certificate, [&cache] { return cache.synced(); });
    server.bind();
    cache.start();
    roles.start();
    serving = &server;
    // A signal that came while starting up: stop() before serve() makes serve() return at once.
    if (signals.requested().load()) server.stop();
    server.serve();
    signals.finish();  // serve() returns once stop() began: let the signal thread's stop() return
    cache.stop();
    roles.stop();
    runtime::log(runtime::LogLevel::Info, "stopped");
    return kExitOk;
  } catch (const kube::InputError& e) {
    std::cerr << "kguard webhook: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "kguard webhook: " << e.what() << "\n";
    return kExitUsage;
  }
}

}  // namespace

void addWebhookCommand(CLI::App& app, int* exitCode) {
  auto flags = std::make_shared<WebhookFlags>();
  auto* cmd = app.add_subcommand("webhook", "Run the TLS validating admission webhook (AdmissionReview v1/v1beta1)");
  cmd->add_option("--tls-cert-file", flags->certFile, "Serving certificate (PEM); reloaded when it changes")->required();
  cmd->add_option("--tls-private-key-file", flags->keyFile, "Serving key (PEM); reloaded when it changes")->required();
  cmd->add_option("--listen", flags->listen, "Address to listen on, ADDR:PORT")->capture_default_str();
  cmd->add_option("--config", flags->configPath, "kguard configuration file (KguardConfiguration)")->check(nonEmpty());
  cmd->add_option("--kubeconfig", flags->kubeconfig, "kubeconfig for the API server (in-cluster config when omitted)")->check(nonEmpty());
  cmd->add_option("--log-level", flags->logLevel, "debug logs one line per decision")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  cmd->add_option("--shutdown-grace-ms", flags->shutdownGraceMs, "On SIGTERM: time not-ready but still serving")
      ->check(integerIn(0, 2147483647))
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "Threads for requests that wait on the API server (namespace lookups)")
      ->check(integerIn(1, 65536))
      ->capture_default_str();
  cmd->add_option("--event-loops", flags->eventLoops, "Threads serving connections (event loops); 0 = one per usable CPU (affinity and cgroup CPU quota)")
      ->check(integerIn(0, 65536))
      ->capture_default_str();
  cmd->add_option("--max-connections", flags->maxConnections,
                  "Client connections held at once; 0 = 2048 (~47 KB each at most). Never more than the descriptor limit "
                  "(ulimit -n) allows once a reserve is kept for accept, the certificate reload and the API client. Above "
                  "3/4 of it a TLS handshake gets 1 s instead of 10; at it, the oldest handshaking or idle connections are "
                  "closed to make room")
      ->check(integerIn(0, 2147483647))
      ->capture_default_str();
  cmd->callback([flags, exitCode] { *exitCode = runWebhook(*flags); });
}

}  // namespace cli
