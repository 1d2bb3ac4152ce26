// Grammar from github.com/distribution/reference (regexp.go, normalize.go), which the kubelet and
// containerd use to read image names.
#include "images/image_reference.h"

#include <cctype>

namespace images {
namespace {

constexpr size_t kMaxNameLength = 255;  // reference.NameTotalLengthMax
constexpr size_t kMaxTagLength = 128;

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// One path component: lowercase alphanumerics joined by separators `.`, `_`, `__` or runs of `-`.
bool isPathComponent(const std::string& s) {
  if (s.empty() || !isLowerAlnum(s.front()) || !isLowerAlnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (isLowerAlnum(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !isLowerAlnum(s[j])) ++j;
    std::string sep = s.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

// host[:port]; host is dot-separated labels of alphanumerics and inner dashes, or a bracketed IPv6.
bool isDomain(const std::string& s) {
  std::string host = s;
  std::string port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string::npos) return false;
    std::string inner = s.substr(1, close - 1);
    if (inner.empty() || inner.find_first_not_of("0123456789abcdefABCDEF:") != std::string::npos) return false;
    std::string rest = s.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    port = rest.substr(1);
    host.clear();
  } else {
    size_t colon = s.find(':');
    if (colon != std::string::npos) {
      host = s.substr(0, colon);
      port = s.substr(colon + 1);
      if (port.empty()) return false;
    }
  }
  if (!port.empty() && port.find_first_not_of("0123456789") != std::string::npos) return false;
  if (!host.empty() || s.front() != '[') {
    size_t start = 0;
    while (true) {
      size_t dot = host.find('.', start);
      std::string label = host.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (label.empty() || !isAlnum(label.front()) || !isAlnum(label.back())) return false;
      for (char c : label)
        if (!isAlnum(c) && c != '-') return false;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  return true;
}

bool isTag(const std::string& s) {
  if (s.empty() || s.size() > kMaxTagLength) return false;
  auto word = [](char c) { return isAlnum(c) || c == '_'; };
  if (!word(s.front())) return false;
  for (char c : s)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

bool hasUpper(const std::string& s) {
  for (char c : s)
    if (std::isupper(static_cast<unsigned char>(c))) return true;
  return false;
}

}  // namespace

bool isSha256Digest(const std::string& digest) {
  const std::string prefix = "sha256:";
  if (digest.size() != prefix.size() + 64 || digest.compare(0, prefix.size(), prefix) != 0) return false;
  for (size_t i = prefix.size(); i < digest.size(); ++i) {
    char c = digest[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

ImageReference parseImageReference(const std::string& text) {
  auto bad = [&](const std::string& why) { return ImageReferenceError("image \"" + text + "\": " + why); };
  if (text.empty()) throw bad("empty image reference");
  for (char c : text)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      throw bad("contains whitespace or control characters");

  ImageReference out;
  std::string rest = text;
  size_t at = rest.find('@');
  if (at != std::string::npos) {
    out.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (out.digest.rfind("sha256:", 0) != 0)
      throw bad("digest \"" + out.digest + "\": only sha256 digests are supported");
    if (!isSha256Digest(out.digest)) throw bad("digest \"" + out.digest + "\": expected sha256: and 64 lowercase hex digits");
  }
  // A tag follows the last ':' after the last '/' (a ':' before it is a registry port).
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    out.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!isTag(out.tag)) throw bad("tag \"" + out.tag + "\": expected up to 128 of [A-Za-z0-9_.-], not starting with . or -");
  }
  if (rest.empty()) throw bad("missing repository name");

  // splitDockerDomain: the first component is a registry only if it looks like a host.
  size_t first = rest.find('/');
  std::string head = first == std::string::npos ? "" : rest.substr(0, first);
  if (first == std::string::npos ||
      (head.find_first_of(".:") == std::string::npos && head != "localhost" && !hasUpper(head))) {
    out.registry = "docker.io";
    out.repository = rest;
  } else {
    out.registry = head;
    out.repository = rest.substr(first + 1);
    if (!isDomain(out.registry)) throw bad("registry host \"" + out.registry + "\" is malformed");
  }
  if (out.registry == "index.docker.io") out.registry = "docker.io";
  if (out.registry == "docker.io" && out.repository.find('/') == std::string::npos) out.repository = "library/" + out.repository;

  if (hasUpper(out.repository)) throw bad("repository name \"" + out.repository + "\" must be lowercase");
  size_t start = 0;
  while (true) {
    size_t next = out.repository.find('/', start);
    std::string part = out.repository.substr(start, next == std::string::npos ? std::string::npos : next - start);
    if (!isPathComponent(part))
      throw bad("repository path component \"" + part +
                "\" is malformed (lowercase letters and digits, joined by '.', '_', '__' or '-')");
    if (next == std::string::npos) break;
    start = next + 1;
  }
  if (out.registry.size() + 1 + out.repository.size() > kMaxNameLength)
    throw bad("repository name longer than 255 characters");
  if (out.tag.empty() && out.digest.empty()) out.tag = "latest";
  return out;
}

std::string apiHostOf(const std::string& registry) {
  return registry == "docker.io" || registry == "index.docker.io" ? "registry-1.docker.io" : registry;
}

std::string ImageReference::apiHost() const { return apiHostOf(registry); }

std::string ImageReference::toString() const {
  std::string out = registry + "/" + repository;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

}  // namespace images
