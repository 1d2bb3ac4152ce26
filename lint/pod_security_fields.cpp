#include "lint/pod_security_fields.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <vector>

namespace lint {
namespace {

using nlohmann::json;

const json* child(const json* node, const char* key) {
  if (!node || !node->is_object()) return nullptr;
  auto it = node->find(key);
  return it == node->end() || it->is_null() ? nullptr : &*it;
}

bool isTrue(const json* v) { return v && v->is_boolean() && v->get<bool>(); }
bool isFalse(const json* v) { return v && v->is_boolean() && !v->get<bool>(); }
std::string text(const json* v) { return v && v->is_string() ? v->get<std::string>() : ""; }

struct Container {
  std::string path;  // "spec.containers[0]"
  const json* node;
};

// Every container, init container and ephemeral container, in the order upstream visits them.
std::vector<Container> containersOf(const json* spec) {
  std::vector<Container> out;
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    const json* items = child(spec, list);
    if (!items || !items->is_array()) continue;
    for (size_t i = 0; i < items->size(); ++i)
      out.push_back({std::string("spec.") + list + "[" + std::to_string(i) + "]", &(*items)[i]});
  }
  return out;
}

// The deepest existing step of `steps` under `node` (whose path is `path`): where a missing field belongs.
std::string deepest(const json* node, std::string path, const std::vector<const char*>& steps) {
  for (const char* step : steps) {
    node = child(node, step);
    if (!node) break;
    path += std::string(".") + step;
  }
  return path;
}

// The first of the pod's and its containers' securityContext fields `key` for which `bad` holds.
std::string firstSecurityContextField(const json& pod, const char* key, const std::function<bool(const json*)>& bad) {
  const json* spec = child(&pod, "spec");
  for (const auto& c : containersOf(spec))
    if (bad(child(child(c.node, "securityContext"), key))) return c.path + ".securityContext." + key;
  if (bad(child(child(spec, "securityContext"), key))) return std::string("spec.securityContext.") + key;
  return "";
}

bool hasAll(const json* list) {
  return list && list->is_array() && std::any_of(list->begin(), list->end(), [](const json& v) { return v == "ALL"; });
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string capabilitiesRestricted(const json& pod) {
  const json* spec = child(&pod, "spec");
  for (const auto& c : containersOf(spec)) {
    const json* caps = child(child(c.node, "securityContext"), "capabilities");
    if (!hasAll(child(caps, "drop"))) return deepest(c.node, c.path, {"securityContext", "capabilities", "drop"});
    const json* add = child(caps, "add");
    if (add && add->is_array() && std::any_of(add->begin(), add->end(), [](const json& v) { return v != "NET_BIND_SERVICE"; }))
      return c.path + ".securityContext.capabilities.add";
  }
  return "";
}

// A restricted field that must be set (runAsNonRoot: true, a seccomp profile): the first explicit bad
// value, else the first container that leaves it unset while the pod does not set it either.
std::string requiredSetting(const json& pod, const char* key, const std::function<bool(const json*)>& good) {
  auto explicitBad = [&](const json* v) { return v && !good(v); };
  std::string bad = firstSecurityContextField(pod, key, explicitBad);
  if (!bad.empty()) return bad;
  const json* spec = child(&pod, "spec");
  if (good(child(child(spec, "securityContext"), key))) return "";
  for (const auto& c : containersOf(spec))
    if (!child(child(c.node, "securityContext"), key)) return deepest(c.node, c.path, {"securityContext"});
  return "";
}

bool goodSeccomp(const json* profile) {
  std::string type = text(child(profile, "type"));
  return type == "RuntimeDefault" || type == "Localhost";
}

// The first volume source for which `badSource` names a key ("hostPath"), as "spec.volumes[2].hostPath".
std::string volumes(const json& pod, const std::function<std::string(const json&)>& badSource) {
  const json* list = child(child(&pod, "spec"), "volumes");
  if (!list || !list->is_array()) return "";
  for (size_t i = 0; i < list->size(); ++i) {
    std::string source = badSource((*list)[i]);
    if (!source.empty()) return "spec.volumes[" + std::to_string(i) + "]." + source;
  }
  return "";
}

std::string restrictedVolumeSource(const json& volume) {
  static const std::vector<std::string> allowed = {"name", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                                                   "persistentVolumeClaim", "projected", "secret"};
  if (!volume.is_object()) return "";
  for (auto it = volume.begin(); it != volume.end(); ++it)
    if (!it.value().is_null() && std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) return it.key();
  return "";
}

std::string hostPorts(const json& pod) {
  for (const auto& c : containersOf(child(&pod, "spec"))) {
    const json* ports = child(c.node, "ports");
    if (!ports || !ports->is_array()) continue;
    for (size_t j = 0; j < ports->size(); ++j) {
      const json* hostPort = child(&(*ports)[j], "hostPort");
      if (hostPort && hostPort->is_number() && hostPort->get<double>() != 0)
        return c.path + ".ports[" + std::to_string(j) + "].hostPort";
    }
  }
  return "";
}

std::string hostProbes(const json& pod) {
  for (const auto& c : containersOf(child(&pod, "spec"))) {
    for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"})
      for (const char* handler : {"httpGet", "tcpSocket"})
        if (!text(child(child(child(c.node, probe), handler), "host")).empty())
          return c.path + "." + probe + "." + handler + ".host";
    for (const char* hook : {"postStart", "preStop"})
      for (const char* handler : {"httpGet", "tcpSocket"})
        if (!text(child(child(child(child(c.node, "lifecycle"), hook), handler), "host")).empty())
          return c.path + ".lifecycle." + hook + "." + handler + ".host";
  }
  return "";
}

// A profile set to Unconfined: the securityContext field, else a legacy annotation (one of `prefixes` +
// name) with the value "unconfined".
std::string unconfinedProfile(const json& pod, const char* field, const std::vector<std::string>& prefixes) {
  std::string path = firstSecurityContextField(pod, field, [](const json* p) { return text(child(p, "type")) == "Unconfined"; });
  if (!path.empty()) return path + ".type";
  const json* annotations = child(child(&pod, "metadata"), "annotations");
  if (annotations && annotations->is_object())
    for (auto it = annotations->begin(); it != annotations->end(); ++it)
      for (const auto& prefix : prefixes)
        if (it.key().compare(0, prefix.size(), prefix) == 0 && it.value() == "unconfined")
          return "metadata.annotations[\"" + it.key() + "\"]";
  return "";
}

}  // namespace

std::string podSecurityField(const std::string& id, const nlohmann::json& pod) {
  const json* spec = child(&pod, "spec");
  if (id == "hostNamespaces") {
    for (const char* field : {"hostNetwork", "hostPID", "hostIPC"})
      if (isTrue(child(spec, field))) return std::string("spec.") + field;
    return "";
  }
  if (id == "privileged") return firstSecurityContextField(pod, "privileged", isTrue);
  if (id == "capabilities_baseline") {
    for (const auto& c : containersOf(spec))
      if (child(child(child(c.node, "securityContext"), "capabilities"), "add"))
        return c.path + ".securityContext.capabilities.add";
    return "";
  }
  if (id == "capabilities_restricted") return capabilitiesRestricted(pod);
  if (id == "allowPrivilegeEscalation") {
    for (const auto& c : containersOf(spec))
      if (!isFalse(child(child(c.node, "securityContext"), "allowPrivilegeEscalation")))
        return deepest(c.node, c.path, {"securityContext", "allowPrivilegeEscalation"});
    return "";
  }
  if (id == "runAsNonRoot") return requiredSetting(pod, "runAsNonRoot", isTrue);
  if (id == "runAsUser")
    return firstSecurityContextField(pod, "runAsUser", [](const json* v) { return v && v->is_number() && v->get<double>() == 0; });
  if (id == "seccompProfile_restricted") return requiredSetting(pod, "seccompProfile", goodSeccomp);
  if (id == "seccompProfile_baseline")
    return unconfinedProfile(pod, "seccompProfile",
                             {"seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/"});
  if (id == "appArmorProfile") return unconfinedProfile(pod, "appArmorProfile", {"container.apparmor.security.beta.kubernetes.io/"});
  if (id == "seLinuxOptions") return firstSecurityContextField(pod, "seLinuxOptions", [](const json* v) { return v != nullptr; });
  if (id == "procMount" || id == "procMount_restricted")
    return firstSecurityContextField(pod, "procMount", [](const json* v) { return v && text(v) != "Default"; });
  if (id == "windowsHostProcess")
    return firstSecurityContextField(pod, "windowsOptions", [](const json* v) { return isTrue(child(v, "hostProcess")); });
  if (id == "sysctls") {
    const json* sysctls = child(child(spec, "securityContext"), "sysctls");
    return sysctls ? "spec.securityContext.sysctls" : "";
  }
  if (id == "hostPathVolumes")
    return volumes(pod, [](const json& v) { return std::string(child(&v, "hostPath") ? "hostPath" : ""); });
  if (id == "restrictedVolumes") return volumes(pod, restrictedVolumeSource);
  if (id == "hostPorts") return hostPorts(pod);
  if (id == "hostProbesAndHostLifecycle") return hostProbes(pod);
  return "";
}

namespace {

// `drop: [all]`: capability names are case-sensitive, so the lower-case spelling drops nothing.
std::string capabilityCaseHint(const json& pod) {
  for (const auto& c : containersOf(child(&pod, "spec"))) {
    const json* caps = child(child(c.node, "securityContext"), "capabilities");
    for (const char* list : {"drop", "add"}) {
      const json* values = child(caps, list);
      if (!values || !values->is_array()) continue;
      for (const auto& v : *values) {
        if (!v.is_string()) continue;
        std::string found = v.get<std::string>();
        if (found != upper(found))
          return std::string("found ") + list + ": [" + found + "] in container \"" + text(child(c.node, "name")) +
                 "\": capability names are case-sensitive, expected \"" + upper(found) + "\"";
      }
    }
  }
  return "";
}

// `type: runtimedefault`: profile types are case-sensitive.
std::string seccompCaseHint(const json& pod) {
  const json* spec = child(&pod, "spec");
  std::vector<std::pair<std::string, const json*>> contexts = {{"spec.securityContext", child(spec, "securityContext")}};
  for (const auto& c : containersOf(spec)) contexts.push_back({c.path + ".securityContext", child(c.node, "securityContext")});
  for (const auto& [path, context] : contexts) {
    std::string type = text(child(child(context, "seccompProfile"), "type"));
    for (const char* known : {"RuntimeDefault", "Localhost", "Unconfined"})
      if (type != known && upper(type) == upper(known))
        return "found " + path + ".seccompProfile.type: " + type + ": values are case-sensitive, expected " + known;
  }
  return "";
}

// Container-only fields written in the pod's securityContext, where Kubernetes has no such field.
std::string podLevelHint(const json& pod, const char* field) {
  if (!child(child(child(&pod, "spec"), "securityContext"), field)) return "";
  return std::string("found spec.securityContext.") + field + ": the pod's securityContext has no " + field +
         " (it is ignored); set it in each container's securityContext";
}

}  // namespace

std::string podSecurityHint(const std::string& id, const nlohmann::json& pod) {
  if (id == "capabilities_restricted" || id == "capabilities_baseline") {
    std::string hint = capabilityCaseHint(pod);
    return hint.empty() ? podLevelHint(pod, "capabilities") : hint;
  }
  if (id == "seccompProfile_restricted" || id == "seccompProfile_baseline") return seccompCaseHint(pod);
  if (id == "allowPrivilegeEscalation") return podLevelHint(pod, "allowPrivilegeEscalation");
  if (id == "privileged") return podLevelHint(pod, "privileged");
  if (id == "procMount" || id == "procMount_restricted") return podLevelHint(pod, "procMount");
  return "";
}

}  // namespace lint
