// Pod Security Standards, baseline, "SELinux":
//   Setting the SELinux type is restricted, and setting a custom SELinux user or role option is
//   forbidden.
//   Restricted fields: spec.securityContext.seLinuxOptions.type,
//     spec.containers[*].securityContext.seLinuxOptions.type (and init/ephemeral containers)
//     Allowed values: undefined/"", container_t, container_init_t, container_kvm_t,
//     container_engine_t (v1.31+)
//   Restricted fields: ...seLinuxOptions.user and ...seLinuxOptions.role at the same places
//     Allowed values: undefined/""
// Mirrors upstream policy/check_seLinuxOptions.go.
#include <algorithm>
#include <array>
#include <string_view>

#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

constexpr std::array<std::string_view, 4> kTypesV1_0 = {"", "container_t", "container_init_t", "container_kvm_t"};
constexpr std::array<std::string_view, 5> kTypesV1_31 = {"", "container_t", "container_init_t", "container_kvm_t",
                                                        "container_engine_t"};

template <size_t N>
CheckResult seLinuxOptions(const kube::PodSpec& spec, const std::array<std::string_view, N>& allowedTypes) {
  SortedSet<std::string_view> badTypes;
  bool setUser = false;
  bool setRole = false;
  auto valid = [&](const kube::SELinuxOptions& o) {
    bool ok = true;
    if (std::find(allowedTypes.begin(), allowedTypes.end(), o.type) == allowedTypes.end()) {
      ok = false;
      badTypes.insert(o.type);
    }
    if (!o.user.empty()) ok = false, setUser = true;
    if (!o.role.empty()) ok = false, setRole = true;
    return ok;
  };
  std::vector<std::string> badSetters;
  if (spec.securityContext && spec.securityContext->seLinuxOptions && !valid(*spec.securityContext->seLinuxOptions))
    badSetters.push_back("pod");
  NameList badContainers;
  kube::visitContainers(spec, [&](const kube::Container& c) {
    if (c.securityContext && c.securityContext->seLinuxOptions && !valid(*c.securityContext->seLinuxOptions))
      badContainers.push_back(c.name);
  });
  if (!badContainers.empty()) badSetters.push_back(concat(containers(badContainers)));
  if (badSetters.empty()) return allow();

  std::vector<std::string> badData;
  if (!badTypes.empty()) badData.push_back(concat(pluralize("type", "types", badTypes.size()), " ", quoted(badTypes)));
  if (setUser) badData.push_back("user may not be set");
  if (setRole) badData.push_back("role may not be set");
  return deny("seLinuxOptions",
              concat(joined(badSetters, " and "), " set forbidden securityContext.seLinuxOptions: ", joined(badData, "; ")));
}

CheckResult seLinuxOptionsV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  return seLinuxOptions(spec, kTypesV1_0);
}

CheckResult seLinuxOptionsV1_31(const kube::ObjectMeta&, const kube::PodSpec& spec) {
  return seLinuxOptions(spec, kTypesV1_31);
}

}  // namespace

Check seLinuxOptionsCheck() {
  return {"seLinuxOptions",
          Level::Baseline,
          {
              {Version::v1(0), seLinuxOptionsV1_0, {}},
              {Version::v1(31), seLinuxOptionsV1_31, {}},  // container_engine_t allowed
          }};
}

}  // namespace podsecurity::checks
