// Grammar from github.com/distribution/reference (regexp.go, normalize.go), which the kubelet and
// containerd use to read image names.
#include "images/image_reference.h"

#include <algorithm>
#include <string_view>

namespace images {
namespace {

constexpr size_t kMaxNameLength = 255;  // reference.NameTotalLengthMax
constexpr size_t kMaxTagLength = 128;

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
// ASCII only, as the grammar is (and as <cctype> answers in the C locale), without a call per character: this
// runs over every image of every admission request under rules.imageSignatures.
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isAlnum(char c) { return isLowerAlnum(c) || isUpper(c); }
bool isSpaceOrControl(char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }

// One path component: lowercase alphanumerics joined by separators `.`, `_`, `__` or runs of `-`.
bool isPathComponent(std::string_view s) {
  if (s.empty() || !isLowerAlnum(s.front()) || !isLowerAlnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (isLowerAlnum(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !isLowerAlnum(s[j])) ++j;
    std::string_view sep = s.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

// host[:port]; host is dot-separated labels of alphanumerics and inner dashes, or a bracketed IPv6.
bool isDomain(std::string_view s) {
  std::string_view host = s;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view inner = s.substr(1, close - 1);
    if (inner.empty() || inner.find_first_not_of("0123456789abcdefABCDEF:") != std::string_view::npos) return false;
    std::string_view rest = s.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    port = rest.substr(1);
    host = {};
  } else {
    size_t colon = s.find(':');
    if (colon != std::string_view::npos) {
      host = s.substr(0, colon);
      port = s.substr(colon + 1);
      if (port.empty()) return false;
    }
  }
  if (!port.empty() && port.find_first_not_of("0123456789") != std::string_view::npos) return false;
  if (!host.empty() || s.front() != '[') {
    size_t start = 0;
    while (true) {
      size_t dot = host.find('.', start);
      std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (label.empty() || !isAlnum(label.front()) || !isAlnum(label.back())) return false;
      for (char c : label)
        if (!isAlnum(c) && c != '-') return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  return true;
}

bool isTag(std::string_view s) {
  if (s.empty() || s.size() > kMaxTagLength) return false;
  auto word = [](char c) { return isAlnum(c) || c == '_'; };
  if (!word(s.front())) return false;
  for (char c : s)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

}  // namespace

bool hasUpper(std::string_view s) {
  for (char c : s)
    if (isUpper(c)) return true;
  return false;
}

std::string lowercaseAscii(std::string text) {
  for (char& c : text)
    if (isUpper(c)) c = static_cast<char>(c - 'A' + 'a');
  return text;
}

bool isSha256Digest(std::string_view digest) {
  constexpr std::string_view prefix = "sha256:";
  if (digest.size() != prefix.size() + 64 || digest.compare(0, prefix.size(), prefix) != 0) return false;
  for (size_t i = prefix.size(); i < digest.size(); ++i) {
    char c = digest[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool isRegistryComponent(std::string_view head) {
  return head.find_first_of(".:") != std::string_view::npos || head == "localhost" || hasUpper(head);
}

// Validated on views of the text; the result's strings are built once at the end (this runs for every
// image of every admission request under rules.imageSignatures).
ImageReference parseImageReference(const std::string& text) {
  auto bad = [&](const std::string& why) { return ImageReferenceError("image \"" + text + "\": " + why); };
  auto quoted = [](std::string_view s) { return "\"" + std::string(s) + "\""; };
  if (text.empty()) throw bad("empty image reference");
  for (char c : text)
    if (isSpaceOrControl(c))
      throw bad("contains whitespace or control characters");

  std::string_view rest = text, digest, tag;
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (digest.substr(0, 7) != "sha256:")
      throw bad("digest " + quoted(digest) + ": only sha256 digests are supported");
    if (!isSha256Digest(digest)) throw bad("digest " + quoted(digest) + ": expected sha256: and 64 lowercase hex digits");
  }
  // A tag follows the last ':' after the last '/' (a ':' before it is a registry port).
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!isTag(tag)) throw bad("tag " + quoted(tag) + ": expected up to 128 of [A-Za-z0-9_.-], not starting with . or -");
  }
  if (rest.empty()) throw bad("missing repository name");

  // splitDockerDomain: the first component is a registry only if it looks like a host.
  std::string_view registry = "docker.io", repository = rest;
  size_t first = rest.find('/');
  std::string_view head = first == std::string_view::npos ? std::string_view() : rest.substr(0, first);
  if (first != std::string_view::npos &&
      isRegistryComponent(head)) {
    registry = head;
    repository = rest.substr(first + 1);
    if (!isDomain(registry)) throw bad("registry host " + quoted(registry) + " is malformed");
  }
  if (registry == "index.docker.io") registry = "docker.io";
  const bool library = registry == "docker.io" && repository.find('/') == std::string_view::npos;

  if (hasUpper(repository)) throw bad("repository name " + quoted(library ? "library/" + std::string(repository) : std::string(repository)) + " must be lowercase");
  for (size_t start = 0;;) {
    size_t next = repository.find('/', start);
    std::string_view part = repository.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    if (!isPathComponent(part))
      throw bad("repository path component " + quoted(part) +
                " is malformed (lowercase letters and digits, joined by '.', '_', '__' or '-')");
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  const size_t libraryPrefix = library ? std::string_view("library/").size() : 0;
  if (registry.size() + 1 + libraryPrefix + repository.size() > kMaxNameLength)
    throw bad("repository name longer than 255 characters");

  ImageReference out;
  out.registry = registry;
  out.repository.reserve(libraryPrefix + repository.size());
  out.repository.append(library ? "library/" : "").append(repository);
  out.tag = tag.empty() && digest.empty() ? std::string_view("latest") : tag;
  out.digest = digest;
  return out;
}

std::string apiHostOf(const std::string& registry) {
  return registry == "docker.io" || registry == "index.docker.io" ? "registry-1.docker.io" : registry;
}

std::string canonicalRegistry(const std::string& registry) {
  std::string host = lowercaseAscii(registry), port;
  const size_t bracket = host.rfind(']');
  const size_t colon = host.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    port = host.substr(colon + 1);
    host.erase(colon);
    port.erase(0, std::min(port.find_first_not_of('0'), port.size() - 1));
  }
  while (host.size() > 1 && host.back() == '.') host.pop_back();
  if (host == "index.docker.io") host = "docker.io";
  return port.empty() || port == "443" ? host : host + ":" + port;
}

std::string registryServer(const std::string& host) { return apiHostOf(canonicalRegistry(host)); }

std::string ImageReference::apiHost() const { return apiHostOf(registry); }

std::string ImageReference::toString() const {
  std::string out = registry + "/" + repository;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

}  // namespace images
