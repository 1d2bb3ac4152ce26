#pragma once
// What a policy change does: the connections (pod pairs x protocol x destination ports) whose verdict
// differs between two complete cluster states, for `kguard netpol diff`.
#include <string>
#include <vector>

#include "netpol/model.h"

namespace netpol {

// Destination ports [first, last] of one protocol within which no rule of either state changes its
// answer: every boundary of a port, range or named container port in the policies and pods.
struct PortInterval {
  Protocol protocol = Protocol::TCP;
  int32_t first = 1;
  int32_t last = 65535;
  std::string str() const;  // "tcp 80", "tcp 1-79"
};
std::vector<PortInterval> portIntervals(const Cluster& current, const Cluster& changed);

struct ConnectionChange {
  std::string from, to;  // NAMESPACE/POD
  PortInterval ports;
  bool nowAllowed = false;
  std::string now;     // the deciding sides in the changed state ("egress of x/a: denied by ...")
  std::string before;  // the same in the current state
};

// Every pod pair present in both states (a pod to itself excluded, as the conformance suites do), each
// probed as `kguard netpol matrix` probes it, over the port intervals of the policies that select the
// source (egress) or the destination (ingress) in either state, and the destination's named ports:
// no other rule can decide that pair.
std::vector<ConnectionChange> diffClusters(const Cluster& current, const Cluster& changed);

// "newly denied: x/a -> y/b tcp 80\n  now: ...\n  before: ...\n", one block per change.
std::string renderDiff(const std::vector<ConnectionChange>& changes);

}  // namespace netpol
