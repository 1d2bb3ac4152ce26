#include "rules/image_reference.h"

namespace rules {

ImageReference parseImageReference(const std::string& image) {
  ImageReference ref;
  std::string rest = image;
  if (auto at = rest.find('@'); at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  // A tag is the part after the last ':' that comes after the last '/' (a ':' before it is a port).
  auto lastSlash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && (lastSlash == std::string::npos || colon > lastSlash)) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  // The first component is a registry only if it looks like a host: has '.' or ':', or is localhost.
  auto firstSlash = rest.find('/');
  std::string first = firstSlash == std::string::npos ? "" : rest.substr(0, firstSlash);
  if (!first.empty() && (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
                         first == "localhost")) {
    ref.registry = first;
    ref.repository = rest.substr(firstSlash + 1);
  } else {
    ref.registry = "docker.io";
    ref.repository = firstSlash == std::string::npos ? "library/" + rest : rest;
  }
  if (ref.registry == "index.docker.io") ref.registry = "docker.io";
  return ref;
}

}  // namespace rules
