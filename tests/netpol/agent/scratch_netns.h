#pragma once
// A throwaway named network namespace for the [kernel] test cases (netns_test.cpp, deny_log_test.cpp),
// which ctest runs as root through tests/needs.sh (netpol_agent_kernel).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "netpol/agent/netns.h"

namespace netpol_test {

inline std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

// The cases give their namespaces fixed addresses, and the agent finds a pod's namespace by address on the
// whole machine: two copies of this binary (two checkouts' ctest runs) would program each other's
// namespaces and drop each other's probes. The first namespace a process makes takes a machine-wide
// lock, held until the process exits, so such runs take turns.
inline void takeMachineWideNetnsLock() {
  static const int fd = [] {
    int lock = open("/run/lock/kguard-netns-tests.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (lock >= 0) (void)flock(lock, LOCK_EX);
    return lock;
  }();
  (void)fd;
}

// accept() that gives up after `timeoutMs`, returning -1: a connection the kernel dropped fails the
// case instead of blocking it forever.
inline int acceptWithin(int listener, int timeoutMs = 5000) {
  pollfd p{listener, POLLIN, 0};
  if (poll(&p, 1, timeoutMs) != 1) return -1;
  return accept(listener, nullptr, nullptr);
}

// A named namespace with one veth carrying `ip`, deleted at the end of the test.
struct ScratchNetns {
  std::string name = "kguard-unit-" + std::to_string(getpid());
  ScratchNetns() {
    takeMachineWideNetnsLock();
    std::string output = run("(ip netns add " + name + " && ip -n " + name + " link add v0 type veth peer name v1 && ip -n " +
                             name + " addr add 10.0.0.1/24 dev v0 && ip -n " + name +
                             " addr add fd00::1/64 dev v0 nodad && ip -n " + name + " link set v0 up && echo created)");
    const std::string done = "created\n";
    bool ok = output.size() >= done.size() && output.compare(output.size() - done.size(), done.size(), done) == 0;
    if (!ok) remove();  // the destructor does not run when the constructor throws
    INFO("cannot make the scratch namespace (needs root, ip, nft: run through ctest -R netpol_agent_kernel): " << output);
    REQUIRE(ok);
  }
  ~ScratchNetns() { remove(); }
  void remove() const { (void)!system(("ip netns delete " + name + " 2>/dev/null").c_str()); }
  std::string nft(const std::string& args) const { return run("ip netns exec " + name + " nft " + args); }

  // Discovers the machine's namespaces (kept in `discovered`) and returns this one, or null.
  std::vector<netpol::agent::Netns> discovered;
  const netpol::agent::Netns* discover() {
    discovered = netpol::agent::discoverNetns();
    for (const auto& ns : discovered)
      if (ns.path() == "/var/run/netns/" + name) return &ns;
    return nullptr;
  }
};

}  // namespace netpol_test
