#pragma once
// The Pod decoders as templates over a JSON reader, so that kube::JsonReader (nlohmann, every manifest)
// and the webhook's fast reader (simdjson, webhook/fast_review.cpp) decode pods with the same code and
// cannot drift apart. A reader R offers JsonReader's interface: field, forEach, optString, optBool,
// optInt, string, boolean, stringMap, stringList, expectObject, fail, isNull, isString, isNumber,
// stringValue, numberText, integer and forEachMember (fields in key order, last duplicate wins).
#include <cstddef>
#include <optional>
#include <string>

#include "kube/pod.h"

namespace kube {
namespace podDecode {

template <typename R>
Capabilities decodeCapabilities(const R& r) {
  return {r.stringList("add"), r.stringList("drop")};
}

template <typename R>
SELinuxOptions decodeSELinux(const R& r) {
  return {r.string("user"), r.string("role"), r.string("type"), r.string("level")};
}

template <typename Profile, typename R>
Profile decodeProfile(const R& r) {
  return {r.string("type"), r.optString("localhostProfile")};
}

template <typename R>
WindowsSecurityContextOptions decodeWindows(const R& r) {
  return {r.optBool("hostProcess"), r.optString("runAsUserName")};
}

// Field names are passed on as arrays, so that a reader can take their length at compile time.
template <typename T, typename R, typename Decode, size_t N>
std::optional<T> optionalObject(const R& r, const char (&name)[N], Decode decode) {
  auto f = r.field(name);
  if (!f) return std::nullopt;
  f->expectObject();
  return decode(*f);
}

// The fields a container's securityContext shares with the pod's (the pod's are the defaults).
template <typename SC, typename R>
void decodeSharedSecurityFields(SC& sc, const R& r) {
  sc.seLinuxOptions = optionalObject<SELinuxOptions>(r, "seLinuxOptions", decodeSELinux<R>);
  sc.windowsOptions = optionalObject<WindowsSecurityContextOptions>(r, "windowsOptions", decodeWindows<R>);
  sc.runAsUser = r.optInt("runAsUser");
  sc.runAsGroup = r.optInt("runAsGroup");
  sc.runAsNonRoot = r.optBool("runAsNonRoot");
  sc.seccompProfile = optionalObject<SeccompProfile>(r, "seccompProfile", decodeProfile<SeccompProfile, R>);
  sc.appArmorProfile = optionalObject<AppArmorProfile>(r, "appArmorProfile", decodeProfile<AppArmorProfile, R>);
}

template <typename R>
SecurityContext decodeSecurityContext(const R& r) {
  SecurityContext sc;
  sc.capabilities = optionalObject<Capabilities>(r, "capabilities", decodeCapabilities<R>);
  sc.privileged = r.optBool("privileged");
  decodeSharedSecurityFields(sc, r);
  sc.readOnlyRootFilesystem = r.optBool("readOnlyRootFilesystem");
  sc.allowPrivilegeEscalation = r.optBool("allowPrivilegeEscalation");
  sc.procMount = r.optString("procMount");
  return sc;
}

template <typename R>
PodSecurityContext decodePodSecurityContext(const R& r) {
  PodSecurityContext sc;
  decodeSharedSecurityFields(sc, r);
  r.forEach("supplementalGroups", [&sc](const R& g) {
    auto v = g.integer();
    if (!v) g.fail("expected an integer");
    sc.supplementalGroups.push_back(*v);
  });
  sc.fsGroup = r.optInt("fsGroup");
  r.forEach("sysctls", [&sc](const R& s) { sc.sysctls.push_back({s.string("name"), s.string("value")}); });
  return sc;
}

// Probes and lifecycle handlers: Pod Security reads only httpGet.host and tcpSocket.host.
template <typename R>
Handler decodeHandler(const R& r) {
  Handler h;
  if (auto http = r.field("httpGet")) h.httpGetHost = http->optString("host");
  if (auto tcp = r.field("tcpSocket")) h.tcpSocketHost = tcp->optString("host");
  return h;
}

template <typename R, size_t N>
int32_t decodePort(const R& r, const char (&name)[N]) {
  auto v = r.optInt(name);
  if (!v) return 0;
  if (*v < 0 || *v > 65535) r.field(name)->fail("port out of range: " + std::to_string(*v));
  return static_cast<int32_t>(*v);
}

// Quantities are strings ("500m") or numbers (2) in manifests; kguard only needs to know they are set.
template <typename R, size_t N>
StringMap decodeQuantities(const R& r, const char (&name)[N]) {
  StringMap out;
  auto f = r.field(name);
  if (!f) return out;
  f->forEachMember([&out](const std::string& key, const R& v) {
    if (v.isString()) out[key] = v.stringValue();
    else if (v.isNumber()) out[key] = v.numberText();
    else v.fail("expected a quantity (string or number)");
  });
  return out;
}

template <typename R>
Container decodeContainer(const R& r, ContainerKind kind) {
  r.expectObject();
  Container c;
  c.kind = kind;
  c.name = r.string("name");
  c.image = r.string("image");
  r.forEach("ports", [&c](const R& p) {
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
  c.securityContext = optionalObject<SecurityContext>(r, "securityContext", decodeSecurityContext<R>);
  c.livenessProbe = optionalObject<Handler>(r, "livenessProbe", decodeHandler<R>);
  c.readinessProbe = optionalObject<Handler>(r, "readinessProbe", decodeHandler<R>);
  c.startupProbe = optionalObject<Handler>(r, "startupProbe", decodeHandler<R>);
  if (auto lifecycle = r.field("lifecycle")) {
    c.postStart = optionalObject<Handler>(*lifecycle, "postStart", decodeHandler<R>);
    c.preStop = optionalObject<Handler>(*lifecycle, "preStop", decodeHandler<R>);
  }
  return c;
}

template <typename R>
Volume decodeVolume(const R& r) {
  r.expectObject();
  Volume v;
  v.name = r.string("name");
  r.forEachMember([&v](const std::string& key, const R& source) {
    if (key != "name" && !source.isNull()) v.sources.push_back(key);
  });
  if (auto hostPath = r.field("hostPath")) v.hostPathPath = hostPath->string("path");
  return v;
}

template <typename R>
PodSpec decodePodSpec(const R& r) {
  r.expectObject();
  PodSpec spec;
  r.forEach("initContainers", [&spec](const R& c) {
    spec.initContainers.push_back(decodeContainer(c, ContainerKind::Init));
  });
  r.forEach("containers", [&spec](const R& c) {
    spec.containers.push_back(decodeContainer(c, ContainerKind::Regular));
  });
  r.forEach("ephemeralContainers", [&spec](const R& c) {
    spec.ephemeralContainers.push_back(decodeContainer(c, ContainerKind::Ephemeral));
  });
  r.forEach("volumes", [&spec](const R& v) { spec.volumes.push_back(decodeVolume(v)); });
  spec.securityContext = optionalObject<PodSecurityContext>(r, "securityContext", decodePodSecurityContext<R>);
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

template <typename R>
ObjectMeta decodeMeta(const R& r) {
  r.expectObject();
  ObjectMeta m;
  m.name = r.string("name");
  m.generateName = r.string("generateName");
  m.namespace_ = r.string("namespace");
  m.labels = r.stringMap("labels");
  m.annotations = r.stringMap("annotations");
  return m;
}

// The pod object itself (a Pod, or a workload's template): metadata and spec.
template <typename R>
PodTemplate decodePod(const R& pod) {
  pod.expectObject();
  PodTemplate out;
  if (auto meta = pod.field("metadata")) out.metadata = decodeMeta(*meta);
  if (auto spec = pod.field("spec")) out.spec = decodePodSpec(*spec);
  return out;
}

}  // namespace podDecode
}  // namespace kube
