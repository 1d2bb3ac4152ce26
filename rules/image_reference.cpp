#include "rules/image_reference.h"

#include "images/image_reference.h"

#include <iterator>

namespace rules {
namespace {

constexpr std::string_view kLibrary = "library/";

}  // namespace

ImageReference parseImageReference(std::string_view image) {
  ImageReference ref;
  std::string_view rest = image;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  // A tag is the part after the last ':' that comes after the last '/' (a ':' before it is a port):
  // read from the end up to the first ':' or '/'.
  for (size_t i = rest.size(); i-- > 0;) {
    if (rest[i] == '/') break;
    if (rest[i] == ':') {
      ref.tag = rest.substr(i + 1);
      rest = rest.substr(0, i);
      break;
    }
  }
  // The first component is a registry only if it looks like a host: has '.' or ':', is localhost, or has
  // an upper-case letter (distribution/reference splitDockerDomain: repository paths are lower-case only,
  // so `Evil/app` is pulled from host "Evil", never from docker.io/Evil/app).
  // (find, not find_first_of(".:"), which calls memchr once per character.)
  auto firstSlash = rest.find('/');
  std::string_view first = firstSlash == std::string_view::npos ? std::string_view() : rest.substr(0, firstSlash);
  if (!first.empty() && (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
                         first == "localhost" || images::hasUpper(first))) {
    ref.registry = first;
    ref.repository = rest.substr(firstSlash + 1);
  } else {
    ref.registry = "docker.io";
    ref.repository = rest;
    ref.library = firstSlash == std::string_view::npos;
  }
  if (ref.registry == "index.docker.io") ref.registry = "docker.io";
  return ref;
}

std::string ImageReference::name() const {
  std::string out;
  out.reserve(registry.size() + 1 + (library ? kLibrary.size() : 0) + repository.size());
  out.append(registry).append("/").append(library ? kLibrary : std::string_view()).append(repository);
  return out;
}

bool ImageReference::nameIsUnder(std::string_view path) const {
  // name() is these parts in a row; `path` must be a prefix of it that ends where a '/' follows, or at its end.
  const std::string_view parts[] = {registry, "/", library ? kLibrary : std::string_view(), repository};
  for (size_t i = 0; i < std::size(parts); ++i) {
    const std::string_view part = parts[i];
    if (path.size() < part.size()) return part.substr(0, path.size()) == path && part[path.size()] == '/';
    if (path.substr(0, part.size()) != part) return false;
    path.remove_prefix(part.size());
    if (path.empty()) {  // the name goes on with the next non-empty part, or ends here
      for (size_t j = i + 1; j < std::size(parts); ++j)
        if (!parts[j].empty()) return parts[j].front() == '/';
      return true;
    }
  }
  return false;  // `path` is longer than the name
}

}  // namespace rules
