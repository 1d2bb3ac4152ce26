// Pod Security Standards, baseline, "Sysctls":
//   Sysctls can disable security mechanisms or affect all containers on a host, and should be
//   disallowed except for an allowed "safe" subset. A sysctl is considered safe if it is namespaced
//   in the container or the Pod, and it is isolated from other Pods or processes on the same Node.
//   Restricted fields: spec.securityContext.sysctls[*].name
//   Allowed values: undefined/nil and the safe list, which grows with the policy version:
//     v1.0:  kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start,
//            net.ipv4.tcp_syncookies, net.ipv4.ping_group_range
//     v1.27: + net.ipv4.ip_local_reserved_ports
//     v1.29: + net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl,
//            net.ipv4.tcp_keepalive_probes
//     v1.32: + net.ipv4.tcp_rmem, net.ipv4.tcp_wmem
//     v1.37: + net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat
// Mirrors upstream policy/check_sysctls.go.
#include <algorithm>
#include <array>
#include <string_view>

#include "podsecurity/checks/default_checks.h"
#include "podsecurity/checks/helpers.h"

namespace podsecurity::checks {
namespace {

// Each version's complete safe list, in the order sysctls were added.
constexpr std::array<std::string_view, 17> kSafe = {
    "kernel.shm_rmid_forced",           "net.ipv4.ip_local_port_range",  "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",          "net.ipv4.ping_group_range",     // v1.0: the first 5
    "net.ipv4.ip_local_reserved_ports",                                  // v1.27: 6
    "net.ipv4.tcp_keepalive_time",      "net.ipv4.tcp_fin_timeout",      "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",                                     // v1.29: 10
    "net.ipv4.tcp_rmem",                "net.ipv4.tcp_wmem",             // v1.32: 12
    "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat",  // v1.37: 14
};

template <size_t SafeCount>
CheckResult sysctls(const kube::PodSpec& spec) {
  static_assert(SafeCount <= kSafe.size(), "safe list prefix out of range");
  NameList forbidden;
  if (spec.securityContext) {
    for (const auto& s : spec.securityContext->sysctls) {
      if (std::find(kSafe.begin(), kSafe.begin() + SafeCount, s.name) == kSafe.begin() + SafeCount)
        forbidden.push_back(s.name);
    }
  }
  if (forbidden.empty()) return allow();
  return deny("forbidden sysctls", join(forbidden, ", "));
}

CheckResult sysctlsV1_0(const kube::ObjectMeta&, const kube::PodSpec& spec) { return sysctls<5>(spec); }
CheckResult sysctlsV1_27(const kube::ObjectMeta&, const kube::PodSpec& spec) { return sysctls<6>(spec); }
CheckResult sysctlsV1_29(const kube::ObjectMeta&, const kube::PodSpec& spec) { return sysctls<10>(spec); }
CheckResult sysctlsV1_32(const kube::ObjectMeta&, const kube::PodSpec& spec) { return sysctls<12>(spec); }
CheckResult sysctlsV1_37(const kube::ObjectMeta&, const kube::PodSpec& spec) { return sysctls<14>(spec); }

}  // namespace

Check sysctlsCheck() {
  return {"sysctls",
          Level::Baseline,
          {
              {Version::v1(0), sysctlsV1_0, {}},
              {Version::v1(27), sysctlsV1_27, {}},
              {Version::v1(29), sysctlsV1_29, {}},
              {Version::v1(32), sysctlsV1_32, {}},
              {Version::v1(37), sysctlsV1_37, {}},
          }};
}

}  // namespace podsecurity::checks
