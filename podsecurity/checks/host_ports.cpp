// Pod Security Standards, baseline, "Host Ports":
//   HostPorts should be disallowed entirely (recommended) or restricted to a known list.
//   Restricted fields: spec.containers[*].ports[*].hostPort, spec.initContainers[*]...,
//     spec.ephemeralContainers[*]...
//   Allowed values: undefined/nil, 0
// Mirrors upstream policy/check_hostPorts.go (upstream forbids every host port).
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

CheckResult hostPortsV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  NameList badContainers;
  SortedSet<std::string> ports;  // upstream keeps them as strings, so "10000" sorts before "80"
  kube::visitContainers(spec, [&](const kube::Container& c) {
    bool valid = true;
    for (const auto& p : c.ports) {
      if (p.hostPort != 0) {
        valid = false;
        ports.insert(std::to_string(p.hostPort));
      }
    }
    if (!valid) badContainers.push_back(c.name);
  });
  if (badContainers.empty()) return allow();
  return deny("hostPort", concat(containers(badContainers), " ", pluralize("uses", "use", badContainers.size()),
                                 " ", pluralize("hostPort", "hostPorts", ports.size()), " ", joined(ports, ", ")));
}

}  // namespace

Check hostPortsCheck() { return {"hostPorts", Level::Baseline, {{Version::v1(0), hostPortsV1_0, {}}}}; }

}  // namespace podsecurity::checks
