#pragma once
// Exec credential plugins (client.authentication.k8s.io/v1 and v1beta1), as client-go's
// plugin/pkg/client/auth/exec runs them: the kubeconfig's command with its args, kguard's environment
// plus the configured env and KUBERNETES_EXEC_INFO (an ExecCredential request), stdout read as an
// ExecCredential whose status carries a token or a client certificate and key.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kube/kubeconfig.h"

namespace kube {

struct ExecCredential {
  std::string token;
  std::string clientCertPem, clientKeyPem;
  std::optional<std::chrono::system_clock::time_point> expiry;  // none: valid until the server says 401
};

// What the plugin may learn about the cluster (spec.cluster, only with provideClusterInfo).
struct ExecClusterInfo {
  std::string server;
  std::string caPem;
  bool insecureSkipTlsVerify = false;
};

// The KUBERNETES_EXEC_INFO value: {"apiVersion", "kind": "ExecCredential", "spec": {"interactive", "cluster"?}}.
std::string execCredentialRequest(const ExecConfig& exec, const ExecClusterInfo& cluster, bool interactive);

// Reads a plugin's stdout. Throws kube::InputError naming `exec.user` on bad JSON, a kind or apiVersion
// other than the configured one, no status, neither token nor certificate+key, or a bad expirationTimestamp.
ExecCredential parseExecCredential(const std::string& output, const ExecConfig& exec);

// Runs the plugin once and parses its answer. Throws kube::InputError naming `exec.user` when it cannot
// be started (with installHint), exits non-zero (exit code and the tail of its stderr), runs longer than
// `timeout`, or prints a bad credential. On success its stderr is passed on to kguard's stderr, as
// client-go does.
ExecCredential runExecPlugin(const ExecConfig& exec, const ExecClusterInfo& cluster,
                             std::chrono::seconds timeout = std::chrono::seconds(120));

// The current credential of one kubeconfig user: the plugin's last answer until its expirationTimestamp
// passes or the API server rejects it (401), then the plugin is run again. Thread-safe; concurrent
// callers wait for one run instead of starting several.
class ExecCredentialSource {
 public:
  ExecCredentialSource(ExecConfig exec, ExecClusterInfo cluster) : exec_(std::move(exec)), cluster_(std::move(cluster)) {}

  // Throws kube::InputError as runExecPlugin does.
  std::shared_ptr<const ExecCredential> get();
  // The server answered 401 to a request made with `used`: forget it (unless a newer one is cached).
  void rejected(const std::shared_ptr<const ExecCredential>& used);

 private:
  const ExecConfig exec_;
  const ExecClusterInfo cluster_;
  std::mutex mutex_;
  std::shared_ptr<const ExecCredential> cached_;
};

}  // namespace kube
