#include "kube/pod_decode.h"

#include "kube/json_reader.h"
#include "kube/pod_decode_impl.h"

namespace kube {
namespace {

std::string apiGroup(const std::string& apiVersion) {
  auto slash = apiVersion.find('/');
  return slash == std::string::npos ? "" : apiVersion.substr(0, slash);
}

}  // namespace

std::string fieldInObject(const std::string& podPath, const std::string& podField) {
  if (podPath.empty()) return podField;
  if (podField.empty()) return podPath;
  return podPath + "." + podField;
}

std::optional<std::string> podTemplatePath(const std::string& apiVersion, const std::string& kind) {
  const std::string group = apiGroup(apiVersion);
  if (group.empty()) {
    if (kind == "Pod") return std::string();
    if (kind == "PodTemplate") return std::string("template");
    if (kind == "ReplicationController") return std::string("spec.template");
    return std::nullopt;
  }
  if (group == "apps" || group == "extensions") {
    if (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" || kind == "DaemonSet")
      return std::string("spec.template");
    return std::nullopt;
  }
  if (group == "batch") {
    if (kind == "Job") return std::string("spec.template");
    if (kind == "CronJob") return std::string("spec.jobTemplate.spec.template");
  }
  return std::nullopt;
}

ObjectMeta decodeObjectMeta(const nlohmann::json& metadata, const std::string& path) {
  if (metadata.is_null()) return {};
  return podDecode::decodeMeta(JsonReader(metadata, path));
}

DecodedPod::DecodedPod(PodTemplate pod, std::string path)
    : pod_(std::make_shared<const PodTemplate>(std::move(pod))), path_(std::move(path)) {}

DecodedPod DecodedPod::of(const nlohmann::json& object) {
  DecodedPod out;
  bool isPod = false;
  try {
    JsonReader root(object, "");
    auto where = podTemplatePath(root.string("apiVersion"), root.string("kind"));
    if (!where) return out;
    isPod = where->empty();
    auto pod = root.at(*where);  // a missing step (no template) means no pod to evaluate
    if (pod) out = DecodedPod(podDecode::decodePod(*pod), *where);
  } catch (const DecodeError& e) {
    out.error_ = e;
  }
  if (isPod) {
    try {
      if (auto status = JsonReader(object, "").field("status"))
        out.status_ = std::make_shared<const PodStatus>(podDecode::decodeStatus(*status));
    } catch (const DecodeError& e) {
      out.statusError_ = e;
    }
  }
  return out;
}

DecodedPod DecodedPod::ofManifest(const nlohmann::json& object) {
  DecodedPod out = of(object);
  if (out.decoded() && out.pod_->spec.containers.empty()) {
    const std::string path = out.path_.empty() ? "spec.containers" : out.path_ + ".spec.containers";
    out.error_ = DecodeError(path, "Required value: a pod needs at least one container (the API server refuses it)");
    out.pod_.reset();
  } else if (out.decoded() && !out.path_.empty() && !out.pod_->spec.ephemeralContainers.empty()) {
    // ValidatePodTemplateSpec: ephemeral containers are added to running pods only.
    out.error_ = DecodeError(out.path_ + ".spec.ephemeralContainers",
                             "Forbidden: ephemeral containers not allowed in pod template (the API server refuses it)");
    out.pod_.reset();
  }
  return out;
}

}  // namespace kube
