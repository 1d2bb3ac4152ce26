#pragma once
// How many CPUs this process may really use: the CPUs it may run on (sched_getaffinity, i.e. cpusets)
// capped by its cgroup v2 CPU quota (cpu.max), so that a webhook pod limited to 2 CPUs on a 64-core
// node starts 2 event loops, not 64.
#include <optional>
#include <string>

namespace webhook {

// cpu.max's "QUOTA PERIOD" as whole CPUs, rounded up (at least 1); none for "max PERIOD" (no quota)
// or text that is not a quota.
std::optional<int> cpusFromCgroupMax(const std::string& cpuMax);

// min(affinity CPUs, the quota of /sys/fs/cgroup/cpu.max when there is one); at least 1.
int usableCpus();

}  // namespace webhook
