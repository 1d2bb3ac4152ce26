#include "config/image_trust_config.h"

#include "images/image_reference.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace config {
namespace {

std::string resolvePath(const std::string& path, const std::string& baseDir) {
  if (path.empty() || path[0] == '/' || baseDir.empty()) return path;
  return baseDir + "/" + path;
}

std::string readFile(const kube::JsonReader& field, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) field.fail("cannot read \"" + path + "\"");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void rejectUnknown(const kube::JsonReader& r, const std::set<std::string>& known) {
  for (const auto& key : r.keys())
    if (!known.count(key)) throw kube::DecodeError(r.path() + "." + key, "unknown field");
}

images::PublicKey readKey(const kube::JsonReader& entry, const std::string& baseDir) {
  const std::string text = entry.asString();
  try {
    if (text.find("-----BEGIN") != std::string::npos) return images::PublicKey::fromPem(text, entry.path());
    return images::PublicKey::fromFile(resolvePath(text, baseDir));
  } catch (const std::invalid_argument& e) {
    entry.fail(e.what());
  }
}

// The registry part canonical as images' registries are matched (images::canonicalRegistry: case, :443,
// index.docker.io), so that the glob names the server whatever the spelling.
std::string canonicalGlob(const std::string& glob) {
  const size_t hostEnd = std::min(glob.find('/'), glob.size());
  return images::canonicalRegistry(glob.substr(0, hostEnd)) + glob.substr(hostEnd);
}

// Why a glob can match no normalized image name (registry/repository, as the kubelet reads it: `nginx` is
// docker.io/library/nginx), or "": its policy would silently verify nothing. (A first segment that is no
// registry host is refused by the caller, with its own fix.)
std::string globMatchesNoImage(const std::string& glob) {
  const char* every = "images are matched as registry/repository (nginx is docker.io/library/nginx; every image: **)";
  const size_t slash = glob.find('/');
  if (slash == std::string::npos)
    return glob.find("**") == std::string::npos ? every : "";
  const std::string host = glob.substr(0, slash), path = glob.substr(slash + 1);
  if (images::canonicalRegistry(host) == "docker.io" && path.find('/') == std::string::npos &&
      path.find("**") == std::string::npos)
    return "Docker Hub's official images are docker.io/library/" + path;
  if (images::hasUpper(path)) return "repository names are lower-case";
  return "";
}

}  // namespace

std::vector<rules::ImageSignaturePolicy> parseImageSignatures(const kube::JsonReader& list, const std::string& baseDir) {
  std::vector<rules::ImageSignaturePolicy> out;
  list.forEachItem([&](const kube::JsonReader& item) {
    rejectUnknown(item, {"images", "publicKeys"});
    rules::ImageSignaturePolicy policy;
    policy.keys.id = "rules.imageSignatures[" + std::to_string(out.size()) + "]";
    policy.images = item.stringList("images");
    if (policy.images.empty()) item.fail("images: at least one image glob is required");
    for (auto& glob : policy.images) {
      // `myorg/*` reads as Docker Hub's myorg, but images are matched normalized (myorg/app is
      // docker.io/myorg/app), so a first segment that is no registry host matches no image.
      const std::string head = glob.substr(0, std::min(glob.find('/'), glob.size()));
      if (head.size() < glob.size() && head.find('*') == std::string::npos && !images::isRegistryComponent(head))
        item.fail("images: \"" + glob + "\" matches no image: its first segment \"" + head +
                  "\" is no registry host, and images are matched with theirs (" + head + "/app is docker.io/" + head +
                  "/app): write docker.io/" + glob);
      const std::string why = globMatchesNoImage(glob);
      if (!why.empty()) item.fail("images: \"" + glob + "\" matches no image: " + why);
      glob = canonicalGlob(glob);
      // A ':' after the last '/' is a tag (a registry port comes before the first '/').
      size_t slash = glob.rfind('/');
      bool tagged = slash != std::string::npos && glob.find(':', slash) != std::string::npos;
      if (glob.find('@') != std::string::npos || tagged)
        item.fail("images: \"" + glob + "\" names a tag or digest; globs match registry/repository only");
    }
    auto keys = item.field("publicKeys");
    if (!keys || keys->itemCount() == 0) item.fail("publicKeys: at least one key (PEM file or inline PEM) is required");
    keys->forEachItem([&](const kube::JsonReader& k) { policy.keys.keys.push_back(readKey(k, baseDir)); });
    out.push_back(std::move(policy));
  });
  return out;
}

std::vector<images::RegistryHost> parseRegistries(const kube::JsonReader& list, const std::string& baseDir) {
  std::vector<images::RegistryHost> out;
  std::set<std::string> seen;
  list.forEachItem([&](const kube::JsonReader& item) {
    rejectUnknown(item, {"host", "insecure", "caFile", "credentialsFile"});
    images::RegistryHost h;
    h.host = item.string("host");
    if (h.host.empty()) item.fail("host: required (host[:port] as images name the registry)");
    if (h.host.find_first_of("/ @") != std::string::npos) item.fail("host: \"" + h.host + "\" is not host[:port]");
    // One server, one entry: registry.example.com and Registry.example.com:443 are the same (as images match).
    if (!seen.insert(images::canonicalRegistry(h.host)).second)
      item.fail("host: \"" + h.host + "\" is listed twice (as " + images::canonicalRegistry(h.host) + ")");
    h.options.insecure = item.boolean("insecure");
    if (auto ca = item.field("caFile")) {
      h.options.caFile = resolvePath(ca->asString(), baseDir);
      if (readFile(*ca, h.options.caFile).find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        ca->fail("\"" + h.options.caFile + "\" holds no PEM certificate");
    }
    if (auto creds = item.field("credentialsFile")) {
      std::string path = resolvePath(creds->asString(), baseDir);
      try {
        if (!images::credentialsFromDockerConfig(readFile(*creds, path), h.host, h.options.username, h.options.password))
          creds->fail("\"" + path + "\" has no credentials for \"" + h.host + "\" under auths");
      } catch (const std::invalid_argument& e) {
        creds->fail("\"" + path + "\": " + e.what());
      }
    }
    out.push_back(std::move(h));
  });
  return out;
}

}  // namespace config
