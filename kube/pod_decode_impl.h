#pragma once
// The Pod decoders as templates over a JSON reader, so that kube::JsonReader (nlohmann, every manifest)
// and the webhook's fast reader (simdjson, webhook/fast_review.cpp) decode pods with the same code and
// cannot drift apart. A reader R offers JsonReader's interface: field, forEach, optString, optBool,
// optInt, string, boolean, stringMap, stringList, expectObject, fail, isNull, isString, isNumber,
// stringValue, numberText, integer, forEachMember (fields in key order, last duplicate wins), the typed
// value reads asString, asBool, asInt, asStringMap, asStringList, forEachItem, itemCount, decodeFields.
//
// Objects with many fields (pod, spec, container, security contexts, metadata) are decoded from a table
// of FieldRules: the nlohmann reader looks the fields up in the table's order, so errors come out as
// they always did, and the fast reader walks the object's members once and dispatches each by name
// instead of searching the object for every field. Small objects are read field by field.
#include <cstddef>
#include <optional>
#include <string>

#include "kube/json_reader.h"
#include "kube/pod.h"
#include "kube/quantity.h"
#include "kube/service_account.h"

namespace kube {
namespace podDecode {

template <typename R>
Capabilities decodeCapabilities(const R& r) {
  Capabilities caps;
  if (auto add = r.field("add")) {
    caps.add = add->asStringList();
    caps.addWritten = true;
  }
  if (auto drop = r.field("drop")) {
    caps.drop = drop->asStringList();
    caps.dropWritten = true;
  }
  return caps;
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

// A field's value that must be an object, decoded.
template <typename R, typename Decode>
auto decodeObject(const R& value, Decode decode) {
  value.expectObject();
  return decode(value);
}

// Field names are passed on as arrays, so that a reader can take their length at compile time.
template <typename T, typename R, typename Decode, size_t N>
std::optional<T> optionalObject(const R& r, const char (&name)[N], Decode decode) {
  auto f = r.field(name);
  if (!f) return std::nullopt;
  return decodeObject(*f, decode);
}

// A Linux user or group ID as the API server accepts it (IsValidUserID / IsValidGroupID in
// apimachinery's validation): kubectl apply refuses anything else, so lint must not judge it.
template <typename R>
int64_t decodeLinuxId(const R& v) {
  const int64_t n = v.asInt();
  if (n < 0 || n > 2147483647) v.fail("must be between 0 and 2147483647, inclusive: " + std::to_string(n));
  return n;
}

// The fields a container's securityContext shares with the pod's (the pod's are the defaults).
template <typename SC, typename R>
struct SharedSecurityFields {
  static void seLinuxOptions(SC& sc, const R& v) { sc.seLinuxOptions = decodeObject(v, decodeSELinux<R>); }
  static void windowsOptions(SC& sc, const R& v) { sc.windowsOptions = decodeObject(v, decodeWindows<R>); }
  static void runAsUser(SC& sc, const R& v) { sc.runAsUser = decodeLinuxId(v); }
  static void runAsGroup(SC& sc, const R& v) { sc.runAsGroup = decodeLinuxId(v); }
  static void runAsNonRoot(SC& sc, const R& v) { sc.runAsNonRoot = v.asBool(); }
  static void seccompProfile(SC& sc, const R& v) { sc.seccompProfile = decodeObject(v, decodeProfile<SeccompProfile, R>); }
  static void appArmorProfile(SC& sc, const R& v) {
    sc.appArmorProfile = decodeObject(v, decodeProfile<AppArmorProfile, R>);
  }
};

template <typename R>
SecurityContext decodeSecurityContext(const R& r) {
  using SC = SecurityContext;
  using Shared = SharedSecurityFields<SC, R>;
  static constexpr FieldRule<SC, R> fields[] = {
      {"capabilities", [](SC& sc, const R& v) { sc.capabilities = decodeObject(v, decodeCapabilities<R>); }},
      {"privileged", [](SC& sc, const R& v) { sc.privileged = v.asBool(); }},
      {"seLinuxOptions", Shared::seLinuxOptions},
      {"windowsOptions", Shared::windowsOptions},
      {"runAsUser", Shared::runAsUser},
      {"runAsGroup", Shared::runAsGroup},
      {"runAsNonRoot", Shared::runAsNonRoot},
      {"seccompProfile", Shared::seccompProfile},
      {"appArmorProfile", Shared::appArmorProfile},
      {"readOnlyRootFilesystem", [](SC& sc, const R& v) { sc.readOnlyRootFilesystem = v.asBool(); }},
      {"allowPrivilegeEscalation", [](SC& sc, const R& v) { sc.allowPrivilegeEscalation = v.asBool(); }},
      {"procMount", [](SC& sc, const R& v) { sc.procMount = v.asString(); }},
  };
  SC sc;
  r.decodeFields(sc, fields);
  return sc;
}

template <typename R>
PodSecurityContext decodePodSecurityContext(const R& r) {
  using SC = PodSecurityContext;
  using Shared = SharedSecurityFields<SC, R>;
  static constexpr FieldRule<SC, R> fields[] = {
      {"seLinuxOptions", Shared::seLinuxOptions},
      {"windowsOptions", Shared::windowsOptions},
      {"runAsUser", Shared::runAsUser},
      {"runAsGroup", Shared::runAsGroup},
      {"runAsNonRoot", Shared::runAsNonRoot},
      {"seccompProfile", Shared::seccompProfile},
      {"appArmorProfile", Shared::appArmorProfile},
      {"supplementalGroups",
       [](SC& sc, const R& list) {
         list.forEachItem([&sc](const R& g) {
           sc.supplementalGroups.push_back(decodeLinuxId(g));
         });
       }},
      {"fsGroup", [](SC& sc, const R& v) { sc.fsGroup = decodeLinuxId(v); }},
      {"sysctls",
       [](SC& sc, const R& list) {
         list.forEachItem([&sc](const R& s) { sc.sysctls.push_back({s.string("name"), s.string("value")}); });
       }},
      // Not fields of the pod's securityContext: their presence only, whatever the value (ContainerOnlyFieldsWritten).
      {"capabilities", [](SC& sc, const R&) { sc.containerOnlyFields.capabilities = true; }},
      {"privileged", [](SC& sc, const R&) { sc.containerOnlyFields.privileged = true; }},
      {"allowPrivilegeEscalation", [](SC& sc, const R&) { sc.containerOnlyFields.allowPrivilegeEscalation = true; }},
      {"procMount", [](SC& sc, const R&) { sc.containerOnlyFields.procMount = true; }},
  };
  SC sc;
  r.decodeFields(sc, fields);
  return sc;
}

// Probes and lifecycle handlers: Pod Security reads only httpGet.host and tcpSocket.host.
template <typename R>
Handler decodeHandler(const R& r) {
  static constexpr FieldRule<Handler, R> fields[] = {
      {"httpGet", [](Handler& h, const R& v) { h.httpGetHost = v.optString("host"); }},
      {"tcpSocket", [](Handler& h, const R& v) { h.tcpSocketHost = v.optString("host"); }},
  };
  Handler h;
  r.decodeFields(h, fields);
  return h;
}

template <typename R>
int32_t decodePortNumber(const R& v) {
  const int64_t n = v.asInt();
  if (n < 0 || n > 65535) v.fail("port out of range: " + std::to_string(n));
  return static_cast<int32_t>(n);
}

template <typename R>
ContainerPort decodeContainerPort(const R& r) {
  using P = ContainerPort;
  static constexpr FieldRule<P, R> fields[] = {
      {"name", [](P& p, const R& v) { p.name = v.asString(); }},
      {"containerPort", [](P& p, const R& v) { p.containerPort = decodePortNumber(v); }},
      {"hostPort", [](P& p, const R& v) { p.hostPort = decodePortNumber(v); }},
      {"protocol", [](P& p, const R& v) { p.protocol = v.asString(); }},  // "TCP" when unset
      {"hostIP", [](P& p, const R& v) { p.hostIP = v.asString(); }},
  };
  r.expectObject();
  P port;
  r.decodeFields(port, fields);
  return port;
}

// Quantities are strings ("500m") or numbers (2) in manifests; kguard only needs to know they are set,
// and that the API server would accept them (a string it cannot parse as a Quantity is refused at
// decoding; every JSON number is one).
template <typename R>
std::string quantityText(const R& v) {
  if (v.isString()) {
    std::string text = v.stringValue();
    if (const char* error = quantityError(text)) v.fail("invalid quantity \"" + text + "\": " + error);
    return text;
  }
  if (v.isNumber()) return v.numberText();
  v.fail("expected a quantity (string or number)");
}

template <typename R, size_t N>
StringMap decodeQuantities(const R& r, const char (&name)[N]) {
  StringMap out;
  auto f = r.field(name);
  if (!f) return out;
  f->forEachMember([&out](const std::string& key, const R& v) { out[key] = quantityText(v); });
  return out;
}

template <typename R>
void decodeResources(Container& c, const R& r) {
  c.resources.limits = decodeQuantities(r, "limits");
  c.resources.requests = decodeQuantities(r, "requests");
}

// Whether a container's volumeMounts mount something at exactly kServiceAccountDir: the test the
// ServiceAccount admission plugin makes before it adds the token's mount to a container.
template <typename R>
bool mountsServiceAccountDir(const R& volumeMounts) {
  bool found = false;
  volumeMounts.forEachItem([&found](const R& mount) {
    auto path = mount.field("mountPath");
    if (path && path->asStringView() == kServiceAccountDir) found = true;
  });
  return found;
}

template <typename R>
Container decodeContainer(const R& r, ContainerKind kind) {
  using C = Container;
  static constexpr FieldRule<C, R> fields[] = {
      {"name", [](C& c, const R& v) { c.name = v.asString(); }},
      {"image", [](C& c, const R& v) { c.image = v.asString(); }},
      {"restartPolicy", [](C& c, const R& v) { c.restartsAlways = v.asString() == "Always"; }},
      {"ports",
       [](C& c, const R& list) {
         c.ports.reserve(list.itemCount());
         list.forEachItem([&c](const R& p) { c.ports.push_back(decodeContainerPort(p)); });
       }},
      {"resources", decodeResources<R>},
      {"volumeMounts", [](C& c, const R& v) { c.mountsServiceAccountDir = mountsServiceAccountDir(v); }},
      {"securityContext", [](C& c, const R& v) { c.securityContext = decodeObject(v, decodeSecurityContext<R>); }},
      {"livenessProbe", [](C& c, const R& v) { c.livenessProbe = decodeObject(v, decodeHandler<R>); }},
      {"readinessProbe", [](C& c, const R& v) { c.readinessProbe = decodeObject(v, decodeHandler<R>); }},
      {"startupProbe", [](C& c, const R& v) { c.startupProbe = decodeObject(v, decodeHandler<R>); }},
      {"lifecycle",
       [](C& c, const R& v) {
         c.postStart = optionalObject<Handler>(v, "postStart", decodeHandler<R>);
         c.preStop = optionalObject<Handler>(v, "preStop", decodeHandler<R>);
       }},
  };
  r.expectObject();
  C c;
  c.kind = kind;
  r.decodeFields(c, fields);
  return c;
}

// ephemeral.volumeClaimTemplate.spec of a volume, if any. Its errors are kept, not thrown (see
// EphemeralClaim); the fast reader throws NotFast instead, so such a request takes the nlohmann path.
template <typename R>
std::optional<EphemeralClaim> decodeEphemeralClaim(const R& volume) {
  try {
    auto ephemeral = volume.field("ephemeral");
    if (!ephemeral) return std::nullopt;
    auto claimTemplate = ephemeral->field("volumeClaimTemplate");
    if (!claimTemplate) return std::nullopt;
    auto spec = claimTemplate->field("spec");
    if (!spec) return std::nullopt;
    EphemeralClaim claim{spec->optString("storageClassName"), std::nullopt, std::nullopt};
    if (auto meta = claimTemplate->field("metadata")) {
      auto annotations = meta->stringMap("annotations");
      auto beta = annotations.find(kBetaStorageClassAnnotation);
      if (beta != annotations.end()) {
        claim.storageClassName = beta->second;
        claim.classFromBetaAnnotation = true;
      }
    }
    return claim;
  } catch (const DecodeError& e) {
    return EphemeralClaim{std::nullopt, e.path(), e.problem(), false};
  }
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
  v.ephemeralClaim = decodeEphemeralClaim(r);
  return v;
}

template <typename R>
void decodeContainers(std::vector<Container>& out, const R& list, ContainerKind kind) {
  out.reserve(list.itemCount());
  list.forEachItem([&out, kind](const R& c) { out.push_back(decodeContainer(c, kind)); });
}

template <typename R>
PodSpec decodePodSpec(const R& r) {
  using S = PodSpec;
  static constexpr FieldRule<S, R> fields[] = {
      {"initContainers", [](S& s, const R& v) { decodeContainers(s.initContainers, v, ContainerKind::Init); }},
      {"containers", [](S& s, const R& v) { decodeContainers(s.containers, v, ContainerKind::Regular); }},
      {"ephemeralContainers", [](S& s, const R& v) { decodeContainers(s.ephemeralContainers, v, ContainerKind::Ephemeral); }},
      {"volumes",
       [](S& s, const R& list) {
         s.volumes.reserve(list.itemCount());
         list.forEachItem([&s](const R& v) { s.volumes.push_back(decodeVolume(v)); });
       }},
      {"securityContext", [](S& s, const R& v) { s.securityContext = decodeObject(v, decodePodSecurityContext<R>); }},
      {"hostNetwork", [](S& s, const R& v) { s.hostNetwork = v.asBool(); }},
      {"hostPID", [](S& s, const R& v) { s.hostPID = v.asBool(); }},
      {"hostIPC", [](S& s, const R& v) { s.hostIPC = v.asBool(); }},
      {"hostUsers", [](S& s, const R& v) { s.hostUsers = v.asBool(); }},
      {"os", [](S& s, const R& v) { s.osName = v.optString("name"); }},
      {"runtimeClassName", [](S& s, const R& v) { s.runtimeClassName = v.asString(); }},
      {"automountServiceAccountToken", [](S& s, const R& v) { s.automountServiceAccountToken = v.asBool(); }},
      {"serviceAccountName", [](S& s, const R& v) { s.serviceAccountName = v.asString(); }},
  };
  r.expectObject();
  S spec;
  r.decodeFields(spec, fields);
  // Read after the table, in this order, as they always were: the deprecated alias only when the name
  // is empty (a wrong type there matters only then).
  if (spec.serviceAccountName.empty()) spec.serviceAccountName = r.string("serviceAccount");
  spec.nodeName = r.string("nodeName");
  return spec;
}

template <typename R>
OwnerReference decodeOwnerReference(const R& r) {
  r.expectObject();
  return {r.string("apiVersion"), r.string("kind"), r.string("name"), r.string("uid"), r.boolean("controller")};
}

// A string field checked as asString() reads it (the same error), without copying it.
template <typename R>
void checkString(const R& v) {
  if (!v.isString()) v.asString();
}

// The fields decodeOwnerReference reads, checked in its order (the same errors), nothing kept.
template <typename R>
void checkOwnerReference(const R& r) {
  r.expectObject();
  for (const char* name : {"apiVersion", "kind", "name", "uid"})
    if (auto f = r.field(name)) checkString(*f);
  if (auto f = r.field("controller")) f->asBool();
}

// `kKeepsOwnership`: whether uid and ownerReferences are kept, or only checked. A pod's metadata
// (decodePod) only checks them: no check or rule reads them from a pod (the audit reads an object's own
// metadata, kube::decodeObjectMeta), and the webhook reads a pod with an owner on almost every request.
template <typename R, bool kKeepsOwnership = true>
ObjectMeta decodeMeta(const R& r) {
  using M = ObjectMeta;
  static constexpr FieldRule<M, R> fields[] = {
      {"name", [](M& m, const R& v) { m.name = v.asString(); }},
      {"generateName", [](M& m, const R& v) { m.generateName = v.asString(); }},
      {"namespace", [](M& m, const R& v) { m.namespace_ = v.asString(); }},
      {"labels", [](M& m, const R& v) { m.labels = v.asStringMap(); }},
      {"annotations", [](M& m, const R& v) { m.annotations = v.asStringMap(); }},
      {"uid",
       [](M& m, const R& v) {
         if constexpr (kKeepsOwnership) m.uid = v.asString();
         else checkString(v);
       }},
      {"ownerReferences",
       [](M& m, const R& list) {
         list.forEachItem([&m](const R& o) {
           if constexpr (kKeepsOwnership) {
             m.ownerReferences.push_back(decodeOwnerReference(o));
           } else {
             (void)m;  // kept only where ownership is (clang: unused capture)
             checkOwnerReference(o);
           }
         });
       }},
  };
  r.expectObject();
  M m;
  r.decodeFields(m, fields);
  return m;
}

// The pod object itself (a Pod, or a workload's template): metadata and spec.
template <typename R>
PodTemplate decodePod(const R& pod) {
  using P = PodTemplate;
  static constexpr FieldRule<P, R> fields[] = {
      {"metadata", [](P& p, const R& v) { p.metadata = decodeMeta<R, false>(v); }},
      {"spec", [](P& p, const R& v) { p.spec = decodePodSpec(v); }},
  };
  pod.expectObject();
  P out;
  pod.decodeFields(out, fields);
  return out;
}

// A Pod's status (not a template's). An address must be a string; whether it is an IP address is for
// the reader that parses it to say, naming StatusAddress::path.
template <typename R>
StatusAddress decodeStatusAddress(const R& v) {
  if (!v.isString()) v.fail("expected an IP address string");
  return {v.stringValue(), v.path()};
}

// `single` ("podIP") and `list` ("podIPs", items {ip: ...}; an item without ip is skipped).
template <typename R, size_t N, size_t M>
void decodeStatusAddresses(const R& status, const char (&single)[N], const char (&list)[M],
                           std::optional<StatusAddress>& one, std::vector<StatusAddress>& all) {
  if (auto f = status.field(single)) one = decodeStatusAddress(*f);
  status.forEach(list, [&all](const R& item) {
    item.expectObject();
    if (auto ip = item.field("ip")) all.push_back(decodeStatusAddress(*ip));
  });
}

template <typename R>
PodStatus decodeStatus(const R& status) {
  status.expectObject();
  PodStatus s;
  decodeStatusAddresses(status, "podIP", "podIPs", s.podIP, s.podIPs);
  decodeStatusAddresses(status, "hostIP", "hostIPs", s.hostIP, s.hostIPs);
  s.phase = status.string("phase");
  return s;
}

}  // namespace podDecode
}  // namespace kube
