// Image references as pods name them (images::parseImageReference), and the docker config JSON that
// holds registry credentials, and cosign simple-signing payloads (images::signedDigestOf: never throws, and
// a payload that decodes has no problem). A reference that parses must print as one that parses to itself.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "images/image_reference.h"
#include "images/registry_client.h"
#include "images/simple_signing_payload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    images::ImageReference ref = images::parseImageReference(text);
    ref.apiHost();
    std::string printed = ref.toString();
    if (images::parseImageReference(printed).toString() != printed) __builtin_trap();
  } catch (const images::ImageReferenceError&) {
  }
  std::string user, password;
  try {
    images::credentialsFromDockerConfig(text, "registry.example.com", user, password);
    images::credentialsFromDockerConfig(text, "registry-1.docker.io", user, password);
  } catch (const std::invalid_argument&) {
  }
  images::SignedDigest signed_ = images::signedDigestOf(text);
  if (signed_.ok != signed_.problem.empty()) __builtin_trap();
  return 0;
}
