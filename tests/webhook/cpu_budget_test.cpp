// The event-loop count follows the CPU quota of the container, not the node's core count.
#include <catch2/catch.hpp>

#include <thread>

#include "webhook/cpu_budget.h"

TEST_CASE("cgroup v2 cpu.max quotas become whole CPUs, rounded up") {
  CHECK(webhook::cpusFromCgroupMax("200000 100000\n") == 2);
  CHECK(webhook::cpusFromCgroupMax("50000 100000") == 1);    // half a CPU still needs one loop
  CHECK(webhook::cpusFromCgroupMax("150000 100000") == 2);
  CHECK(webhook::cpusFromCgroupMax("1000 100000") == 1);
  CHECK_FALSE(webhook::cpusFromCgroupMax("max 100000"));     // no quota
  CHECK_FALSE(webhook::cpusFromCgroupMax(""));
  CHECK_FALSE(webhook::cpusFromCgroupMax("12x 100000"));
  CHECK_FALSE(webhook::cpusFromCgroupMax("100000 0"));
  CHECK_FALSE(webhook::cpusFromCgroupMax("-5 100000"));
}

TEST_CASE("usable CPUs are at least one and never more than the machine has") {
  int cpus = webhook::usableCpus();
  CHECK(cpus >= 1);
  CHECK(cpus <= static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}
