#include "podsecurity/failure_fields.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <vector>

#include "podsecurity/checks/app_armor.h"
#include "podsecurity/checks/restricted_volumes.h"
#include "podsecurity/checks/seccomp.h"

namespace podsecurity {
namespace {

using kube::Container;
using kube::PodSecurityContext;
using kube::PodSpec;
using kube::SecurityContext;

struct PathedContainer {
  std::string path;  // "spec.containers[0]"
  const Container& container;
  const SecurityContext* sc() const { return container.securityContext ? &*container.securityContext : nullptr; }
};

// Every container, init container and ephemeral container, in the order upstream visits them.
std::vector<PathedContainer> containersOf(const PodSpec& spec) {
  std::vector<PathedContainer> out;
  const std::pair<const char*, const std::vector<Container>*> lists[] = {
      {"initContainers", &spec.initContainers}, {"containers", &spec.containers}, {"ephemeralContainers", &spec.ephemeralContainers}};
  for (const auto& [name, list] : lists)
    for (size_t i = 0; i < list->size(); ++i)
      out.push_back({std::string("spec.") + name + "[" + std::to_string(i) + "]", (*list)[i]});
  return out;
}

const PodSecurityContext* podContext(const kube::PodTemplate& pod) {
  return pod.spec.securityContext ? &*pod.spec.securityContext : nullptr;
}

// The first of the containers' securityContext fields `key` for which `bad` holds, then the pod's.
// `bad` is given the container's securityContext or the pod's, which may be null.
template <typename Bad>
std::string firstSecurityContextField(const kube::PodTemplate& pod, const char* key, Bad bad) {
  for (const auto& c : containersOf(pod.spec))
    if (c.sc() && bad(*c.sc())) return c.path + ".securityContext." + key;
  if (podContext(pod) && bad(*podContext(pod))) return std::string("spec.securityContext.") + key;
  return "";
}

// The same over the containers only, for fields that the pod's securityContext has not.
template <typename Bad>
std::string firstContainerField(const kube::PodTemplate& pod, const char* key, Bad bad) {
  for (const auto& c : containersOf(pod.spec))
    if (c.sc() && bad(*c.sc())) return c.path + ".securityContext." + key;
  return "";
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string capabilitiesRestricted(const kube::PodTemplate& pod) {
  for (const auto& c : containersOf(pod.spec)) {
    const auto* caps = c.sc() && c.sc()->capabilities ? &*c.sc()->capabilities : nullptr;
    bool dropsAll = caps && std::find(caps->drop.begin(), caps->drop.end(), "ALL") != caps->drop.end();
    if (!dropsAll) {  // where ALL belongs: the deepest of securityContext.capabilities.drop written
      if (!c.sc()) return c.path;
      if (!caps) return c.path + ".securityContext";
      return c.path + ".securityContext.capabilities" + (caps->dropWritten ? ".drop" : "");
    }
    if (std::any_of(caps->add.begin(), caps->add.end(), [](const std::string& v) { return v != "NET_BIND_SERVICE"; }))
      return c.path + ".securityContext.capabilities.add";
  }
  return "";
}

// A restricted field that must be set (runAsNonRoot: true, a seccomp profile), read by `get` from a
// securityContext: the first explicit bad value, else the first container that leaves it unset while the
// pod does not set it either.
template <typename Get, typename Good>
std::string requiredSetting(const kube::PodTemplate& pod, const char* key, Get get, Good good) {
  std::string bad = firstSecurityContextField(pod, key, [&](const auto& sc) { return get(sc) && !good(*get(sc)); });
  if (!bad.empty()) return bad;
  if (podContext(pod) && get(*podContext(pod)) && good(*get(*podContext(pod)))) return "";
  for (const auto& c : containersOf(pod.spec)) {
    if (!c.sc()) return c.path;
    if (!get(*c.sc())) return c.path + ".securityContext";
  }
  return "";
}

bool goodSeccomp(const kube::SeccompProfile& profile) {
  return profile.type == "RuntimeDefault" || profile.type == "Localhost";
}

// The first volume source for which `badSource` holds, as "spec.volumes[2].hostPath".
std::string volumes(const kube::PodTemplate& pod, const std::function<bool(const std::string&)>& badSource) {
  const auto& list = pod.spec.volumes;
  for (size_t i = 0; i < list.size(); ++i)
    for (const auto& source : list[i].sources)  // in key order, as written
      if (badSource(source)) return "spec.volumes[" + std::to_string(i) + "]." + source;
  return "";
}

std::string hostPorts(const kube::PodTemplate& pod) {
  for (const auto& c : containersOf(pod.spec)) {
    const auto& ports = c.container.ports;
    for (size_t j = 0; j < ports.size(); ++j)
      if (ports[j].hostPort != 0) return c.path + ".ports[" + std::to_string(j) + "].hostPort";
  }
  return "";
}

// "httpGet.host" or "tcpSocket.host" when the handler sets a host, else "".
std::string handlerHost(const std::optional<kube::Handler>& handler) {
  if (!handler) return "";
  if (handler->httpGetHost && !handler->httpGetHost->empty()) return "httpGet.host";
  if (handler->tcpSocketHost && !handler->tcpSocketHost->empty()) return "tcpSocket.host";
  return "";
}

std::string hostProbes(const kube::PodTemplate& pod) {
  for (const auto& c : containersOf(pod.spec)) {
    const Container& k = c.container;
    const std::pair<const char*, const std::optional<kube::Handler>*> handlers[] = {
        {"livenessProbe", &k.livenessProbe},  {"readinessProbe", &k.readinessProbe}, {"startupProbe", &k.startupProbe},
        {"lifecycle.postStart", &k.postStart}, {"lifecycle.preStop", &k.preStop}};
    for (const auto& [name, handler] : handlers) {
      std::string host = handlerHost(*handler);
      if (!host.empty()) return c.path + "." + name + "." + host;
    }
  }
  return "";
}

// The first annotation for which `bad(key, value)` holds, as `metadata.annotations["key"]`.
template <typename Bad>
std::string annotationField(const kube::PodTemplate& pod, Bad bad) {
  for (const auto& [key, value] : pod.metadata.annotations)
    if (bad(key, value)) return "metadata.annotations[\"" + key + "\"]";
  return "";
}

// Before v1.19 the baseline check reads only the legacy annotations (of the pod and of its containers
// by name), from v1.19 only the securityContext fields.
std::string seccompBaseline(const kube::PodTemplate& pod, const podsecurity::Version& version) {
  using namespace podsecurity::checks;
  if (version.olderThan(podsecurity::Version::v1(19))) {
    std::vector<std::string> keys = {kSeccompPodAnnotation};
    for (const auto& c : containersOf(pod.spec)) keys.push_back(kSeccompContainerAnnotationPrefix + c.container.name);
    return annotationField(pod, [&](const std::string& key, const std::string& value) {
      return std::find(keys.begin(), keys.end(), key) != keys.end() && !validSeccompAnnotationValue(value);
    });
  }
  std::string path = firstSecurityContextField(
      pod, "seccompProfile", [](const auto& sc) { return sc.seccompProfile && !validSeccompType(sc.seccompProfile->type); });
  return path.empty() ? "" : path + ".type";
}

// The fields first, then the annotations, which the check reads at every version.
std::string appArmor(const kube::PodTemplate& pod) {
  using namespace podsecurity::checks;
  std::string path = firstSecurityContextField(pod, "appArmorProfile", [](const auto& sc) {
    return sc.appArmorProfile && !allowedAppArmorProfileType(sc.appArmorProfile->type);
  });
  if (!path.empty()) return path + ".type";
  return annotationField(pod, [](const std::string& key, const std::string& value) {
    return key.rfind(kAppArmorAnnotationPrefix, 0) == 0 && !allowedAppArmorAnnotationValue(value);
  });
}

}  // namespace

// For each check, only what makes it fail can be the answer: e.g. `privileged` fails for a container's
// privileged: true, so the pod's securityContext (which has no such field) is not searched.
std::string failedField(const std::string& id, const kube::PodTemplate& pod, const podsecurity::Version& version) {
  const PodSpec& spec = pod.spec;
  const PodSecurityContext* podSc = podContext(pod);
  if (id == "hostNamespaces") {
    if (spec.hostNetwork) return "spec.hostNetwork";
    if (spec.hostPID) return "spec.hostPID";
    if (spec.hostIPC) return "spec.hostIPC";
    return "";
  }
  if (id == "privileged")
    return firstContainerField(pod, "privileged", [](const SecurityContext& sc) { return sc.privileged.value_or(false); });
  if (id == "capabilities_baseline") {
    for (const auto& c : containersOf(spec))
      if (c.sc() && c.sc()->capabilities && c.sc()->capabilities->addWritten) return c.path + ".securityContext.capabilities.add";
    return "";
  }
  if (id == "capabilities_restricted") return capabilitiesRestricted(pod);
  if (id == "allowPrivilegeEscalation") {
    for (const auto& c : containersOf(spec)) {
      if (!c.sc()) return c.path;
      if (!c.sc()->allowPrivilegeEscalation) return c.path + ".securityContext";
      if (*c.sc()->allowPrivilegeEscalation) return c.path + ".securityContext.allowPrivilegeEscalation";
    }
    return "";
  }
  if (id == "runAsNonRoot")
    return requiredSetting(pod, "runAsNonRoot", [](const auto& sc) { return sc.runAsNonRoot ? &*sc.runAsNonRoot : nullptr; },
                           [](bool v) { return v; });
  if (id == "runAsUser")
    return firstSecurityContextField(pod, "runAsUser", [](const auto& sc) { return sc.runAsUser && *sc.runAsUser == 0; });
  if (id == "seccompProfile_restricted")
    return requiredSetting(pod, "seccompProfile", [](const auto& sc) { return sc.seccompProfile ? &*sc.seccompProfile : nullptr; },
                           goodSeccomp);
  if (id == "seccompProfile_baseline") return seccompBaseline(pod, version);
  if (id == "appArmorProfile") return appArmor(pod);
  if (id == "seLinuxOptions")
    return firstSecurityContextField(pod, "seLinuxOptions", [](const auto& sc) { return sc.seLinuxOptions.has_value(); });
  if (id == "procMount" || id == "procMount_restricted")
    return firstContainerField(pod, "procMount", [](const SecurityContext& sc) { return sc.procMount && *sc.procMount != "Default"; });
  if (id == "windowsHostProcess")
    return firstSecurityContextField(pod, "windowsOptions",
                                     [](const auto& sc) { return sc.windowsOptions && sc.windowsOptions->hostProcess.value_or(false); });
  if (id == "sysctls") return podSc && !podSc->sysctls.empty() ? "spec.securityContext.sysctls" : "";
  if (id == "hostPathVolumes") return volumes(pod, [](const std::string& source) { return source == "hostPath"; });
  if (id == "restrictedVolumes") {
    for (size_t i = 0; i < spec.volumes.size(); ++i) {
      std::string_view type = podsecurity::checks::restrictedVolumeType(spec.volumes[i].sources);
      if (!type.empty()) return "spec.volumes[" + std::to_string(i) + "]." + std::string(type);
    }
    return "";
  }
  if (id == "hostPorts") return hostPorts(pod);
  if (id == "hostProbesAndHostLifecycle") return hostProbes(pod);
  return "";
}

namespace {

// `drop: [all]`: capability names are case-sensitive, so the lower-case spelling drops nothing.
std::string capabilityCaseHint(const kube::PodTemplate& pod) {
  for (const auto& c : containersOf(pod.spec)) {
    if (!c.sc() || !c.sc()->capabilities) continue;
    const auto& caps = *c.sc()->capabilities;
    for (const auto& [list, values] : {std::pair{"drop", &caps.drop}, std::pair{"add", &caps.add}})
      for (const auto& found : *values)
        if (found != upper(found))
          return std::string("found ") + list + ": [" + found + "] in container \"" + c.container.name +
                 "\": capability names are case-sensitive, expected \"" + upper(found) + "\"";
  }
  return "";
}

// `type: runtimedefault`: profile types are case-sensitive.
std::string seccompCaseHint(const kube::PodTemplate& pod) {
  std::vector<std::pair<std::string, const kube::SeccompProfile*>> profiles;
  if (podContext(pod) && podContext(pod)->seccompProfile)
    profiles.push_back({"spec.securityContext", &*podContext(pod)->seccompProfile});
  for (const auto& c : containersOf(pod.spec))
    if (c.sc() && c.sc()->seccompProfile) profiles.push_back({c.path + ".securityContext", &*c.sc()->seccompProfile});
  for (const auto& [path, profile] : profiles)
    for (const char* known : {"RuntimeDefault", "Localhost", "Unconfined"})
      if (profile->type != known && upper(profile->type) == upper(known))
        return "found " + path + ".seccompProfile.type: " + profile->type + ": values are case-sensitive, expected " + known;
  return "";
}

// Container-only fields written in the pod's securityContext, where Kubernetes has no such field.
std::string podLevelHint(const kube::PodTemplate& pod, bool kube::ContainerOnlyFieldsWritten::*written, const char* field) {
  if (!podContext(pod) || !(podContext(pod)->containerOnlyFields.*written)) return "";
  return std::string("found spec.securityContext.") + field + ": the pod's securityContext has no " + field +
         " (it is ignored); set it in each container's securityContext";
}

}  // namespace

std::string failureHint(const std::string& id, const kube::PodTemplate& pod) {
  using Written = kube::ContainerOnlyFieldsWritten;
  if (id == "capabilities_restricted" || id == "capabilities_baseline") {
    std::string hint = capabilityCaseHint(pod);
    return hint.empty() ? podLevelHint(pod, &Written::capabilities, "capabilities") : hint;
  }
  if (id == "seccompProfile_restricted" || id == "seccompProfile_baseline") return seccompCaseHint(pod);
  if (id == "allowPrivilegeEscalation") return podLevelHint(pod, &Written::allowPrivilegeEscalation, "allowPrivilegeEscalation");
  if (id == "privileged") return podLevelHint(pod, &Written::privileged, "privileged");
  if (id == "procMount" || id == "procMount_restricted") return podLevelHint(pod, &Written::procMount, "procMount");
  return "";
}

}  // namespace podsecurity
