#pragma once
// The API server's version: GET /version (k8s.io/apimachinery/pkg/version.Info, what `kubectl version`
// prints as "Server Version"). Readable by everyone: the bootstrap ClusterRole system:public-info-viewer
// grants get /version to system:authenticated and system:unauthenticated.
#include <optional>
#include <string>

namespace kube {

class ApiClient;

struct ServerVersion {
  int major = 0;
  int minor = 0;
  std::string gitVersion;  // "v1.20.2", as reported
};

// major/minor of a /version body. Providers append "+" to minor ("20+" on EKS and GKE): the number is
// what counts. When major/minor are empty (a build without version ldflags) the "vMAJOR.MINOR..." of
// gitVersion is used. nullopt when neither gives a version (a build reporting v0.0.0-master counts as
// none).
std::optional<ServerVersion> parseServerVersion(const std::string& body);

struct ServerVersionAnswer {
  std::optional<ServerVersion> version;
  std::string problem;  // why there is no version: "HTTP 404: ...", "no major/minor or gitVersion in ..."
};

// GET /version. Throws kube::InputError naming the server when no response arrives (unreachable server,
// TLS failure): nothing else will work either. HTTP errors and bodies without a version are answered
// with `problem`, so that the caller can fall back to a version it is given.
ServerVersionAnswer readServerVersion(const ApiClient& client);

}  // namespace kube
