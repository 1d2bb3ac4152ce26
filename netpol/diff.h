#pragma once
// What a policy change does: the connections (pod pairs x protocol x destination ports) whose verdict
// differs between two complete cluster states, for `kguard netpol diff`.
#include <string>
#include <vector>

#include "netpol/model.h"
#include "netpol/port_cuts.h"

namespace netpol {

// Destination ports of either state within which no rule changes its answer (port_cuts.h).
std::vector<PortInterval> portIntervals(const Cluster& current, const Cluster& changed);

struct ConnectionChange {
  std::string from, to;  // NAMESPACE/POD
  PortInterval ports;
  std::string family;  // "IPv4" or "IPv6" when the pair's two families changed differently, else empty
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
