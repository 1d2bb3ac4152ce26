#include "rules/image_reference.h"

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
  // A tag is the part after the last ':' that comes after the last '/' (a ':' before it is a port).
  auto lastSlash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (lastSlash == std::string_view::npos || colon > lastSlash)) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  // The first component is a registry only if it looks like a host: has '.' or ':', or is localhost.
  auto firstSlash = rest.find('/');
  std::string_view first = firstSlash == std::string_view::npos ? std::string_view() : rest.substr(0, firstSlash);
  if (!first.empty() && (first.find_first_of(".:") != std::string_view::npos || first == "localhost")) {
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
  size_t matched = 0;  // characters of `path` equal to the start of name()
  for (std::string_view part : {registry, std::string_view("/"), library ? kLibrary : std::string_view(), repository})
    for (char c : part) {
      if (matched == path.size()) return c == '/';
      if (c != path[matched++]) return false;
    }
  return matched == path.size();
}

}  // namespace rules
