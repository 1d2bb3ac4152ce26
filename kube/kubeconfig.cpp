// kubeconfig and in-cluster configuration, mirroring client-go's clientcmd (kubeconfig lookup and
// validation) and rest.InClusterConfig (service-account mount).
#include "kube/kubeconfig.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "kube/api_tls.h"
#include "kube/json_reader.h"
#include "kube/manifest.h"

namespace kube {
namespace fs = std::filesystem;
namespace {

// Credentials files are small; refusing huge ones keeps a mistaken path (a disk image) harmless.
constexpr std::uintmax_t kMaxCredentialFileBytes = 4 << 20;

std::optional<std::string> readSmallFile(const std::string& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || size > kMaxCredentialFileBytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buffer.str();
}

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// Reads one kubeconfig and reports problems as "<file>: <field path>: <problem>".
class KubeconfigReader {
 public:
  KubeconfigReader(const std::string& name, const std::string& baseDir) : name_(name), baseDir_(baseDir) {}

  KubeConfig read(const nlohmann::json& document, const std::string& wantedContext) {
    JsonReader root(document, "");
    const bool fromCurrent = wantedContext.empty();
    const std::string contextName = fromCurrent ? root.string("current-context") : wantedContext;
    if (contextName.empty()) fail("current-context", "not set, and no context was given");
    auto context = findNamed(root, "contexts", "context", contextName);
    if (!context)
      fail(fromCurrent ? "current-context" : "contexts",
           "no context named \"" + contextName + "\" in contexts");

    KubeConfig out;
    out.namespace_ = context->string("namespace");
    const std::string clusterName = context->string("cluster");
    if (clusterName.empty()) fail(context->path() + ".cluster", "required field is missing");
    auto cluster = findNamed(root, "clusters", "cluster", clusterName);
    if (!cluster) fail(context->path() + ".cluster", "no cluster named \"" + clusterName + "\" in clusters");
    readCluster(*cluster, out);

    const std::string userName = context->string("user");
    if (!userName.empty()) {
      auto user = findNamed(root, "users", "user", userName);
      if (!user) fail(context->path() + ".user", "no user named \"" + userName + "\" in users");
      readUser(*user, userName, out);
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw InputError(name_ + ": " + field + ": " + problem);
  }

  // The `body` (e.g. `cluster`) of the entry named `name` in the list `list` (e.g. `clusters`).
  static std::optional<JsonReader> findNamed(const JsonReader& root, const char* list, const char* body,
                                             const std::string& name) {
    std::optional<JsonReader> found;
    root.forEach(list, [&](const JsonReader& entry) {
      if (found || entry.string("name") != name) return;
      found = entry.field(body);
      if (!found) entry.fail(std::string(body) + ": required field is missing");
      found->expectObject();
    });
    return found;
  }

  std::string resolvePath(const std::string& path) const {
    fs::path p(path);
    return p.is_absolute() || baseDir_.empty() ? p.lexically_normal().string()
                                               : (fs::path(baseDir_) / p).lexically_normal().string();
  }

  // The contents of `<prefix>-data` (base64) or of the file named by `<prefix>`; data wins, as in
  // clientcmd. The content is checked to be PEM certificates (or a PEM key when `isKey`).
  std::string dataOrFile(const JsonReader& section, const std::string& prefix, bool isKey) const {
    const std::string dataField = prefix + "-data";
    std::string content, where;
    if (auto data = section.optString(dataField.c_str()); data && !data->empty()) {
      where = section.path() + "." + dataField;
      try {
        content = tls::decodeBase64(*data);
      } catch (const std::exception& e) {
        fail(where, e.what());
      }
    } else if (auto file = section.optString(prefix.c_str()); file && !file->empty()) {
      where = section.path() + "." + prefix;
      std::string path = resolvePath(*file);
      auto text = readSmallFile(path);
      if (!text) fail(where, "cannot read file " + path);
      content = std::move(*text);
    } else {
      return "";
    }
    try {
      if (isKey) tls::readPrivateKey(content);
      else tls::readCertificates(content);
    } catch (const std::exception& e) {
      fail(where, e.what());
    }
    return content;
  }

  void readCluster(const JsonReader& cluster, KubeConfig& out) const {
    out.server = cluster.string("server");
    if (out.server.empty()) fail(cluster.path() + ".server", "required field is missing");
    if (out.server.rfind("https://", 0) != 0 && out.server.rfind("http://", 0) != 0)
      fail(cluster.path() + ".server", "expected an https:// or http:// URL, got \"" + out.server + "\"");
    // Ignoring these would connect somewhere else than kubectl does (directly, or checking another name).
    for (const char* unsupported : {"proxy-url", "tls-server-name"})
      if (cluster.field(unsupported)) fail(cluster.path() + "." + unsupported, "not supported by kguard");
    out.insecureSkipTlsVerify = cluster.boolean("insecure-skip-tls-verify");
    out.caPem = dataOrFile(cluster, "certificate-authority", false);
    // clientcmd refuses this combination rather than silently ignoring one of them.
    if (out.insecureSkipTlsVerify && !out.caPem.empty())
      fail(cluster.path(), "insecure-skip-tls-verify cannot be combined with a certificate authority");
  }

  void readUser(const JsonReader& user, const std::string& userName, KubeConfig& out) const {
    // auth-provider was removed from kubectl (1.26) in favour of exec plugins; basic auth from the
    // API server (1.19).
    for (const char* unsupported : {"auth-provider", "username", "password"})
      if (user.field(unsupported))
        fail(user.path() + "." + unsupported, "not supported by kguard (use a token, a client certificate or an exec plugin)");
    // Ignoring impersonation would act as the kubeconfig's own (usually more privileged) identity.
    for (const char* unsupported : {"as", "as-uid", "as-groups", "as-user-extra"})
      if (user.field(unsupported)) fail(user.path() + "." + unsupported, "impersonation is not supported by kguard");
    out.bearerToken = user.string("token");
    if (auto tokenFile = user.optString("tokenFile"); tokenFile && !tokenFile->empty())
      out.tokenFile = resolvePath(*tokenFile);
    out.clientCertPem = dataOrFile(user, "client-certificate", false);
    out.clientKeyPem = dataOrFile(user, "client-key", true);
    if (out.clientCertPem.empty() != out.clientKeyPem.empty())
      fail(user.path(), out.clientKeyPem.empty() ? "client-certificate is given without client-key"
                                                 : "client-key is given without client-certificate");
    if (auto exec = user.field("exec")) out.exec = readExec(*exec, userName);
  }

  // clientcmd's validation of an ExecConfig (validateAuthInfo) and its path resolution.
  ExecConfig readExec(const JsonReader& exec, const std::string& userName) const {
    ExecConfig out;
    out.user = "user \"" + userName + "\" in " + name_;
    out.command = exec.string("command");
    if (out.command.empty()) fail(exec.path() + ".command", "required field is missing");
    if (out.command.find('/') != std::string::npos) out.command = resolvePath(out.command);
    out.args = exec.stringList("args");
    exec.forEach("env", [&](const JsonReader& entry) {
      std::string name = entry.string("name");
      if (name.empty()) entry.fail("name: required field is missing");
      out.env.emplace_back(name, entry.string("value"));
    });
    out.apiVersion = exec.string("apiVersion");
    if (out.apiVersion != "client.authentication.k8s.io/v1" && out.apiVersion != "client.authentication.k8s.io/v1beta1")
      fail(exec.path() + ".apiVersion", out.apiVersion.empty() ? "required field is missing"
           : "\"" + out.apiVersion + "\" is not supported (use client.authentication.k8s.io/v1 or v1beta1)");
    const std::string mode = exec.string("interactiveMode");
    if (mode == "Never") out.interactiveMode = ExecConfig::Interactive::Never;
    else if (mode == "Always") out.interactiveMode = ExecConfig::Interactive::Always;
    else if (mode == "IfAvailable" || (mode.empty() && out.apiVersion != "client.authentication.k8s.io/v1"))
      out.interactiveMode = ExecConfig::Interactive::IfAvailable;  // v1beta1's default
    else
      fail(exec.path() + ".interactiveMode", mode.empty() ? "required for client.authentication.k8s.io/v1 (Never, IfAvailable or Always)"
           : "\"" + mode + "\" is not one of Never, IfAvailable, Always");
    out.provideClusterInfo = exec.boolean("provideClusterInfo");
    out.installHint = exec.string("installHint");
    return out;
  }

  const std::string& name_;
  const std::string& baseDir_;
};

}  // namespace

KubeConfig parseKubeconfig(const std::string& text, const std::string& name, const std::string& baseDir,
                           const std::string& context) {
  std::vector<Manifest> documents = parseManifests(text, name);
  if (documents.size() != 1)
    throw InputError(name + ": expected one kubeconfig document, found " + std::to_string(documents.size()));
  try {
    return KubeconfigReader(name, baseDir).read(documents.front().object, context);
  } catch (const DecodeError& e) {
    throw InputError(name + ": " + e.what());
  }
}

KubeConfig loadKubeconfig(const std::string& path, const std::string& context) {
  auto text = readSmallFile(path);
  if (!text) throw InputError(path + ": cannot read kubeconfig file");
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  return parseKubeconfig(*text, path, ec ? std::string() : absolute.parent_path().string(), context);
}

KubeConfig inClusterConfig(const std::string& serviceAccountDir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port)
    throw InputError("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  KubeConfig out;
  std::string hostPart = host;
  if (hostPart.find(':') != std::string::npos) hostPart = "[" + hostPart + "]";  // IPv6, as net.JoinHostPort
  out.server = "https://" + hostPart + ":" + port;

  const fs::path dir(serviceAccountDir);
  out.tokenFile = (dir / "token").string();
  auto token = readSmallFile(out.tokenFile);
  if (!token) throw InputError(out.tokenFile + ": cannot read the service account token");
  out.bearerToken = trim(*token);
  if (out.bearerToken.empty()) throw InputError(out.tokenFile + ": the service account token is empty");

  // A missing ca.crt falls back to the system roots as in client-go; a malformed one is an error here
  // (client-go only logs it), since silently trusting other CAs would hide a broken mount.
  const std::string caFile = (dir / "ca.crt").string();
  if (auto ca = readSmallFile(caFile)) {
    try {
      tls::readCertificates(*ca);
      out.caPem = std::move(*ca);
    } catch (const std::exception& e) {
      throw InputError(caFile + ": " + e.what());
    }
  }
  // clientcmd's in-cluster namespace: the mounted file, else "default".
  auto ns = readSmallFile((dir / "namespace").string());
  out.namespace_ = ns ? trim(*ns) : "";
  if (out.namespace_.empty()) out.namespace_ = "default";
  return out;
}

}  // namespace kube
