#include "webhook/cpu_budget.h"

#include <sched.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace webhook {

std::optional<int> cpusFromCgroupMax(const std::string& cpuMax) {
  std::istringstream in(cpuMax);
  std::string quota;
  long long period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  long long q = 0;
  try {
    size_t used = 0;
    q = std::stoll(quota, &used);
    if (used != quota.size() || q <= 0) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return static_cast<int>(std::max(1LL, (q + period - 1) / period));
}

int usableCpus() {
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = std::max(1, CPU_COUNT(&set));
  std::ifstream cpuMax("/sys/fs/cgroup/cpu.max");
  std::string line;
  if (cpuMax && std::getline(cpuMax, line))
    if (auto quota = cpusFromCgroupMax(line)) cpus = std::min(cpus, *quota);
  return cpus;
}

}  // namespace webhook
