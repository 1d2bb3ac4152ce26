#pragma once
// Where the Kubernetes API is and how to authenticate to it: a kubeconfig file (as kubectl reads it,
// k8s.io/client-go/tools/clientcmd) or the in-cluster service account (client-go rest.InClusterConfig).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kube/service_account.h"  // kServiceAccountDir

namespace kube {

// A user's `exec` credential plugin (client.authentication.k8s.io ExecConfig), run by the API client
// (kube/exec_credential.h) when it needs a token or client certificate.
struct ExecConfig {
  enum class Interactive { Never, IfAvailable, Always };
  std::string command;  // a bare name is looked up in PATH; a relative path is resolved against the kubeconfig's folder
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to kguard's own environment
  std::string apiVersion;  // client.authentication.k8s.io/v1 or /v1beta1
  Interactive interactiveMode = Interactive::IfAvailable;
  bool provideClusterInfo = false;
  std::string installHint;
  std::string user;  // for messages: "user \"eks\" in kubeconfig.yaml"
};

// Everything the API client needs, with all file references already read (except the token file,
// which is re-read while running because projected service-account tokens rotate).
struct KubeConfig {
  std::string server;                  // "https://host:port" (optionally with a path prefix)
  std::string caPem;                   // trusted CA certificates; empty = the system trust store
  bool insecureSkipTlsVerify = false;  // no server certificate verification at all
  std::string bearerToken;             // static token (kubeconfig `token`)
  std::string tokenFile;               // absolute path; when readable it wins over bearerToken
  std::string clientCertPem, clientKeyPem;
  std::optional<ExecConfig> exec;      // credentials from a plugin (added to the static ones above)
  std::string namespace_;              // the context's namespace ("" if unset)
};

// Reads a kubeconfig file: the named context, or `current-context` when `context` is empty.
// Relative file paths in it are relative to the kubeconfig's folder, as in clientcmd.
// Throws kube::InputError naming the file and the field, e.g.
// "kubeconfig.yaml: users[0].user.client-key-data: invalid base64".
KubeConfig loadKubeconfig(const std::string& path, const std::string& context = "");

// The same from text already in memory: `name` is used in messages, `baseDir` resolves relative paths.
KubeConfig parseKubeconfig(const std::string& text, const std::string& name, const std::string& baseDir,
                           const std::string& context = "");

// The configuration of a process running in a pod: KUBERNETES_SERVICE_HOST / _PORT, and
// token, ca.crt, namespace from `serviceAccountDir` (overridable for tests). Throws kube::InputError
// when the environment variables or the token are missing, like client-go's ErrNotInCluster.
KubeConfig inClusterConfig(const std::string& serviceAccountDir = kServiceAccountDir);

}  // namespace kube
