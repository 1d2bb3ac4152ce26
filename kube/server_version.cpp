#include "kube/server_version.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "kube/api_client.h"
#include "kube/manifest.h"

namespace kube {
namespace {

// The leading decimal number of `text` ("20+" -> 20); -1 without one.
int leadingNumber(const std::string& text, std::size_t from = 0) {
  std::size_t end = from;
  while (end < text.size() && end - from < 6 && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return end == from ? -1 : std::stoi(text.substr(from, end - from));
}

std::string stringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<ServerVersion> parseServerVersion(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  ServerVersion v;
  v.gitVersion = stringField(j, "gitVersion");
  v.major = leadingNumber(stringField(j, "major"));
  v.minor = leadingNumber(stringField(j, "minor"));
  if (v.major < 0 || v.minor < 0) {
    // "v1.20.2", "v1.20.2-eks-1234": vMAJOR.MINOR
    const std::string& g = v.gitVersion;
    std::size_t dot = g.find('.');
    if (g.empty() || g[0] != 'v' || dot == std::string::npos) return std::nullopt;
    v.major = leadingNumber(g, 1);
    v.minor = leadingNumber(g, dot + 1);
    if (v.major < 0 || v.minor < 0) return std::nullopt;
  }
  if (v.major == 0) return std::nullopt;  // v0.0.0-master+$Format:%h$: a build that does not know its version
  return v;
}

ServerVersionAnswer readServerVersion(const ApiClient& client) {
  std::string server = client.config().server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  ApiResponse response = client.get("/version");
  if (!response.error.empty())
    throw InputError("cannot read the server's version from " + server + "/version: no response (" + response.error + ")");
  ServerVersionAnswer answer;
  if (!response.ok()) {
    answer.problem = server + "/version: " + response.describe();
    return answer;
  }
  answer.version = parseServerVersion(response.body);
  if (!answer.version) {
    std::string shown = response.body.substr(0, 200);
    answer.problem = server + "/version reports no Kubernetes version (no major/minor or vMAJOR.MINOR gitVersion): " + shown;
  }
  return answer;
}

}  // namespace kube
