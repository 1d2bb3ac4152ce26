#include "kube/pod_decode.h"

#include "kube/json_reader.h"

namespace kube {
namespace {

std::string apiGroup(const std::string& apiVersion) {
  auto slash = apiVersion.find('/');
  return slash == std::string::npos ? "" : apiVersion.substr(0, slash);
}

Capabilities decodeCapabilities(const JsonReader& r) {
  return {r.stringList("add"), r.stringList("drop")};
}

SELinuxOptions decodeSELinux(const JsonReader& r) {
  return {r.string("user"), r.string("role"), r.string("type"), r.string("level")};
}

template <typename Profile>
Profile decodeProfile(const JsonReader& r) {
  return {r.string("type"), r.optString("localhostProfile")};
}

WindowsSecurityContextOptions decodeWindows(const JsonReader& r) {
  return {r.optBool("hostProcess"), r.optString("runAsUserName")};
}

template <typename T, typename Decode>
std::optional<T> optionalObject(const JsonReader& r, const char* name, Decode decode) {
  auto f = r.field(name);
  if (!f) return std::nullopt;
  f->expectObject();
  return decode(*f);
}

SecurityContext decodeSecurityContext(const JsonReader& r) {
  SecurityContext sc;
  sc.capabilities = optionalObject<Capabilities>(r, "capabilities", decodeCapabilities);
  sc.privileged = r.optBool("privileged");
  sc.seLinuxOptions = optionalObject<SELinuxOptions>(r, "seLinuxOptions", decodeSELinux);
  sc.windowsOptions = optionalObject<WindowsSecurityContextOptions>(r, "windowsOptions", decodeWindows);
  sc.runAsUser = r.optInt("runAsUser");
  sc.runAsGroup = r.optInt("runAsGroup");
  sc.runAsNonRoot = r.optBool("runAsNonRoot");
  sc.readOnlyRootFilesystem = r.optBool("readOnlyRootFilesystem");
  sc.allowPrivilegeEscalation = r.optBool("allowPrivilegeEscalation");
  sc.procMount = r.optString("procMount");
  sc.seccompProfile = optionalObject<SeccompProfile>(r, "seccompProfile", decodeProfile<SeccompProfile>);
  sc.appArmorProfile = optionalObject<AppArmorProfile>(r, "appArmorProfile", decodeProfile<AppArmorProfile>);
  return sc;
}

PodSecurityContext decodePodSecurityContext(const JsonReader& r) {
  PodSecurityContext sc;
  sc.seLinuxOptions = optionalObject<SELinuxOptions>(r, "seLinuxOptions", decodeSELinux);
  sc.windowsOptions = optionalObject<WindowsSecurityContextOptions>(r, "windowsOptions", decodeWindows);
  sc.runAsUser = r.optInt("runAsUser");
  sc.runAsGroup = r.optInt("runAsGroup");
  sc.runAsNonRoot = r.optBool("runAsNonRoot");
  r.forEach("supplementalGroups", [&sc](const JsonReader& g) {
    if (!g.value().is_number_integer()) g.fail("expected an integer");
    sc.supplementalGroups.push_back(g.value().get<int64_t>());
  });
  sc.fsGroup = r.optInt("fsGroup");
  r.forEach("sysctls", [&sc](const JsonReader& s) { sc.sysctls.push_back({s.string("name"), s.string("value")}); });
  sc.seccompProfile = optionalObject<SeccompProfile>(r, "seccompProfile", decodeProfile<SeccompProfile>);
  sc.appArmorProfile = optionalObject<AppArmorProfile>(r, "appArmorProfile", decodeProfile<AppArmorProfile>);
  return sc;
}

// Probes and lifecycle handlers: Pod Security reads only httpGet.host and tcpSocket.host.
Handler decodeHandler(const JsonReader& r) {
  Handler h;
  if (auto http = r.field("httpGet")) h.httpGetHost = http->optString("host");
  if (auto tcp = r.field("tcpSocket")) h.tcpSocketHost = tcp->optString("host");
  return h;
}

int32_t decodePort(const JsonReader& r, const char* name) {
  auto v = r.optInt(name);
  if (!v) return 0;
  if (*v < 0 || *v > 65535) r.field(name)->fail("port out of range: " + std::to_string(*v));
  return static_cast<int32_t>(*v);
}

// Quantities are strings ("500m") or numbers (2) in manifests; kguard only needs to know they are set.
StringMap decodeQuantities(const JsonReader& r, const char* name) {
  StringMap out;
  auto f = r.field(name);
  if (!f) return out;
  f->expectObject();
  for (const auto& kv : f->value().items()) {
    const auto& v = kv.value();
    if (v.is_string()) out[kv.key()] = v.get<std::string>();
    else if (v.is_number()) out[kv.key()] = v.dump();
    else throw DecodeError(f->path() + "." + kv.key(), "expected a quantity (string or number)");
  }
  return out;
}

Container decodeContainer(const JsonReader& r, ContainerKind kind) {
  r.expectObject();
  Container c;
  c.kind = kind;
  c.name = r.string("name");
  c.image = r.string("image");
  r.forEach("ports", [&c](const JsonReader& p) {
    p.expectObject();
    ContainerPort port;
    port.name = p.string("name");
    port.containerPort = decodePort(p, "containerPort");
    port.hostPort = decodePort(p, "hostPort");
    port.protocol = p.optString("protocol").value_or("TCP");
    port.hostIP = p.string("hostIP");
    c.ports.push_back(std::move(port));
  });
  if (auto res = r.field("resources")) {
    c.resources.limits = decodeQuantities(*res, "limits");
    c.resources.requests = decodeQuantities(*res, "requests");
  }
  c.securityContext = optionalObject<SecurityContext>(r, "securityContext", decodeSecurityContext);
  c.livenessProbe = optionalObject<Handler>(r, "livenessProbe", decodeHandler);
  c.readinessProbe = optionalObject<Handler>(r, "readinessProbe", decodeHandler);
  c.startupProbe = optionalObject<Handler>(r, "startupProbe", decodeHandler);
  if (auto lifecycle = r.field("lifecycle")) {
    c.postStart = optionalObject<Handler>(*lifecycle, "postStart", decodeHandler);
    c.preStop = optionalObject<Handler>(*lifecycle, "preStop", decodeHandler);
  }
  return c;
}

Volume decodeVolume(const JsonReader& r) {
  r.expectObject();
  Volume v;
  v.name = r.string("name");
  for (const auto& key : r.keys()) {
    if (key == "name" || r.value()[key].is_null()) continue;
    v.sources.push_back(key);
  }
  if (auto hostPath = r.field("hostPath")) v.hostPathPath = hostPath->string("path");
  return v;
}

PodSpec decodePodSpec(const JsonReader& r) {
  r.expectObject();
  PodSpec spec;
  r.forEach("initContainers", [&spec](const JsonReader& c) {
    spec.initContainers.push_back(decodeContainer(c, ContainerKind::Init));
  });
  r.forEach("containers", [&spec](const JsonReader& c) {
    spec.containers.push_back(decodeContainer(c, ContainerKind::Regular));
  });
  r.forEach("ephemeralContainers", [&spec](const JsonReader& c) {
    spec.ephemeralContainers.push_back(decodeContainer(c, ContainerKind::Ephemeral));
  });
  r.forEach("volumes", [&spec](const JsonReader& v) { spec.volumes.push_back(decodeVolume(v)); });
  spec.securityContext = optionalObject<PodSecurityContext>(r, "securityContext", decodePodSecurityContext);
  spec.hostNetwork = r.boolean("hostNetwork");
  spec.hostPID = r.boolean("hostPID");
  spec.hostIPC = r.boolean("hostIPC");
  spec.hostUsers = r.optBool("hostUsers");
  if (auto os = r.field("os")) spec.osName = os->optString("name");
  spec.runtimeClassName = r.optString("runtimeClassName");
  spec.automountServiceAccountToken = r.optBool("automountServiceAccountToken");
  spec.serviceAccountName = r.string("serviceAccountName");
  if (spec.serviceAccountName.empty()) spec.serviceAccountName = r.string("serviceAccount");
  spec.nodeName = r.string("nodeName");
  return spec;
}

ObjectMeta decodeMeta(const JsonReader& r) {
  r.expectObject();
  ObjectMeta m;
  m.name = r.string("name");
  m.generateName = r.string("generateName");
  m.namespace_ = r.string("namespace");
  m.labels = r.stringMap("labels");
  m.annotations = r.stringMap("annotations");
  return m;
}

}  // namespace

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
  return decodeMeta(JsonReader(metadata, path));
}

std::optional<PodTemplate> extractPod(const nlohmann::json& object) {
  JsonReader root(object, "");
  auto where = podTemplatePath(root.string("apiVersion"), root.string("kind"));
  if (!where) return std::nullopt;
  auto pod = root.at(*where);  // a missing step (no template) means no pod to evaluate
  if (!pod) return std::nullopt;
  pod->expectObject();
  PodTemplate out;
  if (auto meta = pod->field("metadata")) out.metadata = decodeMeta(*meta);
  if (auto spec = pod->field("spec")) out.spec = decodePodSpec(*spec);
  return out;
}

}  // namespace kube
