#pragma once
// Container image references as the kubelet and containerd read them (github.com/distribution/reference,
// ParseNormalizedNamed + TagNameOnly): Docker Hub short names are normalized (`nginx` ->
// `docker.io/library/nginx`), a first path component is a registry host only when it contains `.` or
// `:`, is `localhost`, or has upper-case letters; a reference without tag or digest means `:latest`.
#include <stdexcept>
#include <string>
#include <string_view>

namespace images {

struct ImageReferenceError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct ImageReference {
  std::string registry;    // "docker.io", "registry.example.com", "localhost:5000"
  std::string repository;  // "library/nginx", "team/app"
  std::string tag;         // "latest" when the reference names neither tag nor digest
  std::string digest;      // "sha256:<64 lowercase hex>" or ""

  // The host serving the distribution API: Docker Hub's API lives at registry-1.docker.io.
  std::string apiHost() const;
  // What the decision is about: the digest if known, else the tag.
  std::string reference() const { return digest.empty() ? tag : digest; }
  // registry/repository[:tag][@digest], fully qualified.
  std::string toString() const;
};

// Throws ImageReferenceError naming what is malformed.
ImageReference parseImageReference(const std::string& text);

// The host serving a registry's distribution API: Docker Hub's ("docker.io", "index.docker.io") is
// registry-1.docker.io; every other registry serves its own.
std::string apiHostOf(const std::string& registry);

// Whether the first path component of a reference names a registry host (distribution's splitDockerDomain):
// it contains `.` or `:`, is `localhost`, or has an upper-case letter; else the name is Docker Hub's.
bool isRegistryComponent(std::string_view head);

// The registry as the server it reaches: host names are case-insensitive and may end in the root's '.',
// a port is a number (`:0443` is 443), HTTPS's `:443` is the port a registry without one is pulled from,
// and index.docker.io is docker.io (distribution/reference normalize.go). `REGISTRY.EXAMPLE.COM:443` is
// the registry `registry.example.com`, so a policy naming the one must cover the other.
std::string canonicalRegistry(const std::string& registry);

// The server a registry host names, whatever its spelling: apiHostOf(canonicalRegistry(host)), so that
// docker.io, index.docker.io and registry-1.docker.io are one server, as are REGISTRY.EXAMPLE.COM:443 and
// registry.example.com.
std::string registryServer(const std::string& host);

// Whether `s` has an A-Z letter (repository paths are lower-case only; a first component with one is a host).
bool hasUpper(std::string_view s);

// `text` with A-Z as a-z (host names, which compare case-insensitively).
std::string lowercaseAscii(std::string text);

// True for "sha256:" followed by 64 lowercase hex digits, the only digest form kguard accepts.
bool isSha256Digest(std::string_view digest);

}  // namespace images
