// Exec credential plugins, mirroring k8s.io/client-go/plugin/pkg/client/auth/exec (exec.go).
#include "kube/exec_credential.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/api_tls.h"
#include "kube/manifest.h"  // InputError

extern char** environ;

namespace kube {
namespace {

using SystemClock = std::chrono::system_clock;

constexpr size_t kMaxOutputBytes = 1u << 20;  // a credential is a few KiB
constexpr size_t kStderrTailBytes = 600;

[[noreturn]] void fail(const ExecConfig& exec, const std::string& problem) {
  throw InputError("exec credential plugin \"" + exec.command + "\" for " + exec.user + ": " + problem);
}

// RFC 3339 as Go's metav1.Time writes it ("2026-12-04T21:50:00Z", optionally fractional seconds
// and a numeric offset).
std::optional<SystemClock::time_point> parseRfc3339(const std::string& text) {
  struct tm tm {};
  int consumed = 0;
  if (sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
             &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed != 19)
    return std::nullopt;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
  }
  long offsetSeconds = 0;
  std::string zone = text.substr(pos);
  if (zone != "Z" && zone != "z") {
    int hours = 0, minutes = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || sscanf(zone.c_str() + 1, "%2d:%2d", &hours, &minutes) != 2)
      return std::nullopt;
    offsetSeconds = (hours * 60L + minutes) * 60L * (zone[0] == '-' ? -1 : 1);
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t utc = timegm(&tm);
  if (utc == static_cast<time_t>(-1)) return std::nullopt;
  return SystemClock::from_time_t(utc - offsetSeconds);
}

std::string tail(const std::string& text) {
  std::string t = text.size() > kStderrTailBytes ? "..." + text.substr(text.size() - kStderrTailBytes) : text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return t;
}

// client-go: interactive when the mode allows it and stdin is a terminal; Always without one is an error.
bool decideInteractive(const ExecConfig& exec) {
  bool terminal = isatty(STDIN_FILENO) == 1;
  if (exec.interactiveMode == ExecConfig::Interactive::Always && !terminal)
    fail(exec, "interactiveMode is Always but standard input is not a terminal");
  return terminal && exec.interactiveMode != ExecConfig::Interactive::Never;
}

struct PluginResult {
  int status = 0;
  std::string out, err;
};

// Runs the plugin with posix_spawnp (safe in a multi-threaded process, unlike fork + exec) and collects
// stdout and stderr until both close, the output grows too large, or the deadline passes.
PluginResult spawnAndWait(const ExecConfig& exec, const std::string& execInfo, bool interactive,
                          std::chrono::seconds timeout) {
  std::vector<std::string> argvText{exec.command};
  argvText.insert(argvText.end(), exec.args.begin(), exec.args.end());
  std::vector<std::string> envText;
  auto overridden = [&](const std::string& entry) {
    std::string name = entry.substr(0, entry.find('='));
    if (name == "KUBERNETES_EXEC_INFO") return true;
    for (const auto& [key, value] : exec.env)
      if (key == name) return true;
    return false;
  };
  for (char** e = environ; e && *e; ++e)
    if (!overridden(*e)) envText.emplace_back(*e);
  for (const auto& [key, value] : exec.env) envText.push_back(key + "=" + value);
  envText.push_back("KUBERNETES_EXEC_INFO=" + execInfo);
  std::vector<char*> argv, envp;
  for (auto& a : argvText) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : envText) envp.push_back(e.data());
  envp.push_back(nullptr);

  int outPipe[2], errPipe[2];
  if (pipe2(outPipe, O_CLOEXEC) != 0) fail(exec, std::string("pipe: ") + std::strerror(errno));
  if (pipe2(errPipe, O_CLOEXEC) != 0) {
    close(outPipe[0]);
    close(outPipe[1]);
    fail(exec, std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!interactive) posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(outPipe[1]);
  close(errPipe[1]);
  if (spawned != 0) {
    close(outPipe[0]);
    close(errPipe[0]);
    fail(exec, std::string("cannot run it: ") + std::strerror(spawned) +
                   (exec.installHint.empty() ? "" : "\n" + exec.installHint));
  }

  PluginResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  bool timedOut = false, tooLarge = false;
  for (int open = 2; open > 0 && !timedOut && !tooLarge;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    int ready = poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[4096];
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
        continue;
      }
      sinks[i]->append(buffer, static_cast<size_t>(n));
      if (sinks[i]->size() > kMaxOutputBytes) tooLarge = true;
    }
  }
  for (auto& fd : fds)
    if (fd.fd >= 0) close(fd.fd);
  if (timedOut || tooLarge) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) fail(exec, "did not finish within " + std::to_string(timeout.count()) + " s; stderr: " + tail(result.err));
  if (tooLarge) fail(exec, "printed more than " + std::to_string(kMaxOutputBytes) + " bytes");
  result.status = status;
  return result;
}

}  // namespace

std::string execCredentialRequest(const ExecConfig& exec, const ExecClusterInfo& cluster, bool interactive) {
  nlohmann::json spec = {{"interactive", interactive}};
  if (exec.provideClusterInfo) {
    nlohmann::json c = {{"server", cluster.server}};
    if (!cluster.caPem.empty()) c["certificate-authority-data"] = tls::encodeBase64(cluster.caPem);
    if (cluster.insecureSkipTlsVerify) c["insecure-skip-tls-verify"] = true;
    spec["cluster"] = std::move(c);
  }
  return nlohmann::json{{"apiVersion", exec.apiVersion}, {"kind", "ExecCredential"}, {"spec", std::move(spec)}}.dump();
}

ExecCredential parseExecCredential(const std::string& output, const ExecConfig& exec) {
  auto doc = nlohmann::json::parse(output, nullptr, false);
  if (!doc.is_object()) fail(exec, "its output is not a JSON object: " + tail(output.substr(0, 200)));
  auto text = [&](const nlohmann::json& object, const char* key) -> std::string {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return "";
    if (!it->is_string()) fail(exec, std::string(key) + " is not a string");
    return it->get<std::string>();
  };
  if (text(doc, "kind") != "ExecCredential") fail(exec, "its output has kind \"" + text(doc, "kind") + "\", expected ExecCredential");
  const std::string version = text(doc, "apiVersion");
  if (version != exec.apiVersion)
    fail(exec, "it is configured for " + exec.apiVersion + " but returned apiVersion \"" + version + "\"");
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) fail(exec, "its output has no status");
  ExecCredential out;
  out.token = text(*status, "token");
  out.clientCertPem = text(*status, "clientCertificateData");
  out.clientKeyPem = text(*status, "clientKeyData");
  if (out.clientCertPem.empty() != out.clientKeyPem.empty())
    fail(exec, "status has only one of clientCertificateData and clientKeyData");
  if (out.token.empty() && out.clientCertPem.empty())
    fail(exec, "status has neither a token nor clientCertificateData and clientKeyData");
  for (unsigned char c : out.token)
    if (c < 0x20 || c == 0x7f) fail(exec, "status.token contains control characters");
  if (!out.clientCertPem.empty()) {
    try {
      tls::readCertificates(out.clientCertPem);
      tls::readPrivateKey(out.clientKeyPem);
    } catch (const std::exception& e) {
      fail(exec, std::string("status client certificate or key: ") + e.what());
    }
  }
  if (std::string expiry = text(*status, "expirationTimestamp"); !expiry.empty()) {
    out.expiry = parseRfc3339(expiry);
    if (!out.expiry) fail(exec, "status.expirationTimestamp \"" + expiry + "\" is not an RFC 3339 time");
  }
  return out;
}

ExecCredential runExecPlugin(const ExecConfig& exec, const ExecClusterInfo& cluster, std::chrono::seconds timeout) {
  const bool interactive = decideInteractive(exec);
  PluginResult result = spawnAndWait(exec, execCredentialRequest(exec, cluster, interactive), interactive, timeout);
  if (WIFSIGNALED(result.status))
    fail(exec, "killed by signal " + std::to_string(WTERMSIG(result.status)) + "; stderr: " + tail(result.err));
  if (WEXITSTATUS(result.status) != 0)
    fail(exec, "exit code " + std::to_string(WEXITSTATUS(result.status)) + "; stderr: " + tail(result.err));
  ExecCredential credential = parseExecCredential(result.out, exec);
  if (!result.err.empty()) {  // client-go hands the plugin our stderr; pass on what it said
    std::fwrite(result.err.data(), 1, result.err.size(), stderr);
  }
  return credential;
}

std::shared_ptr<const ExecCredential> ExecCredentialSource::get() {
  std::lock_guard<std::mutex> lock(mutex_);
  // client-go's isExpired: an expired credential (now after expirationTimestamp) is never sent.
  if (cached_ && (!cached_->expiry || SystemClock::now() < *cached_->expiry)) return cached_;
  cached_ = std::make_shared<const ExecCredential>(runExecPlugin(exec_, cluster_));
  return cached_;
}

void ExecCredentialSource::rejected(const std::shared_ptr<const ExecCredential>& used) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cached_ == used) cached_.reset();
}

}  // namespace kube
