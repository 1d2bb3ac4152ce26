// Pod Security Standards, baseline, "Host Probes / Lifecycle Hooks (v1.34+)":
//   The Host field in probes and lifecycle hooks must be disallowed.
//   Restricted fields: spec.containers[*].{livenessProbe,readinessProbe,startupProbe}.{httpGet,tcpSocket}.host,
//     spec.containers[*].lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host; also init and
//     ephemeral containers.
//   Allowed values: undefined/nil, ""
// Mirrors upstream policy/check_hostProbesAndhostLifecycle.go.
#include <optional>

#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

// Adds the non-empty hosts of one probe or handler; true when there was one.
bool collectHosts(const std::optional<kube::Handler>& handler, SortedSet<std::string_view>& hosts) {
  if (!handler) return false;
  bool found = false;
  for (const auto* host : {&handler->httpGetHost, &handler->tcpSocketHost}) {
    if (*host && !(*host)->empty()) {
      hosts.insert(**host);
      found = true;
    }
  }
  return found;
}

CheckResult hostProbesAndHostLifecycleV1_34(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  SortedSet<std::string_view> badContainers;  // a set upstream too: names come out sorted and unique
  SortedSet<std::string_view> hosts;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    bool bad = false;
    for (const auto* handler : {&c.livenessProbe, &c.readinessProbe, &c.startupProbe, &c.postStart, &c.preStop}) {
      bad = collectHosts(*handler, hosts) || bad;
    }
    if (bad) badContainers.insert(c.name);
  });
  if (badContainers.empty()) return allow();
  return deny("probe or lifecycle host",
              concat(pluralize("container", "containers", badContainers.size()), " ", quoted(badContainers), " ",
                     pluralize("uses", "use", badContainers.size()), " ",
                     pluralize("probe or lifecycle host", "probe or lifecycle hosts", hosts.size()), " ",
                     quoted(hosts)));
}

}  // namespace

Check hostProbesAndHostLifecycleCheck() {
  return {"hostProbesAndHostLifecycle", Level::Baseline, {{Version::v1(34), hostProbesAndHostLifecycleV1_34, {}}}};
}

}  // namespace podsecurity::checks
