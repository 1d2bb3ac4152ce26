// Pod Security Standards, restricted, "Capabilities (v1.22+)":
//   Containers must drop ALL capabilities, and are only permitted to add back the NET_BIND_SERVICE
//   capability. This is Linux only policy in v1.25+ (.spec.os.name != "windows").
//   Restricted fields: spec.containers[*].securityContext.capabilities.drop (must include ALL),
//     ...capabilities.add (undefined/nil or NET_BIND_SERVICE); also init and ephemeral containers.
// Mirrors upstream policy/check_capabilities_restricted.go; replaces capabilities_baseline.
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

CheckResult capabilitiesRestrictedV1_22(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  NameList missingDropAll;
  NameList addingForbidden;
  SortedSet<std::string_view> forbidden;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (!c.securityContext || !c.securityContext->capabilities) {
      missingDropAll.push_back(c.name);
      return;
    }
    const auto& caps = *c.securityContext->capabilities;
    bool droppedAll = false;
    for (const auto& cap : caps.drop) droppedAll = droppedAll || cap == "ALL";
    if (!droppedAll) missingDropAll.push_back(c.name);
    bool addedForbidden = false;
    for (const auto& cap : caps.add) {
      if (cap != "NET_BIND_SERVICE") {
        addedForbidden = true;
        forbidden.insert(cap);
      }
    }
    if (addedForbidden) addingForbidden.push_back(c.name);
  });
  std::vector<std::string> details;
  if (!missingDropAll.empty())
    details.push_back(concat(containers(missingDropAll), " must set securityContext.capabilities.drop=[\"ALL\"]"));
  if (!addingForbidden.empty())
    details.push_back(concat(containers(addingForbidden), " must not include ", quoted(forbidden),
                             " in securityContext.capabilities.add"));
  if (details.empty()) return allow();
  return deny("unrestricted capabilities", join(details, "; "));
}

CheckResult capabilitiesRestrictedV1_25(const kube::ObjectMeta& metadata, const kube::PodSpec& spec) {
  // API validation forbids capabilities on Windows pods, so leaving them unset there is allowed.
  if (isWindowsPod(spec)) return allow();
  return capabilitiesRestrictedV1_22(metadata, spec);
}

}  // namespace

Check capabilitiesRestrictedCheck() {
  return {"capabilities_restricted",
          Level::Restricted,
          {
              {Version::v1(22), capabilitiesRestrictedV1_22, {"capabilities_baseline"}},
              {Version::v1(25), capabilitiesRestrictedV1_25, {"capabilities_baseline"}},
          }};
}

}  // namespace podsecurity::checks
