#pragma once
// The reachability matrix and per-connection explanations printed by `kguard netpol matrix|explain`.
#include <optional>
#include <string>
#include <utility>

#include "netpol/evaluate.h"
#include "netpol/model.h"

namespace netpol {

// "probe tcp 80", a header row of every pod (NAMESPACE/NAME order), then one row per source pod with
// `.` (allowed) or `X` (blocked) per destination. Probes go between the two pods' first IPv4 addresses,
// else their first IPv6 addresses; when there is no such pair (no status.podIP, or one pod IPv4-only and
// the other IPv6-only), or when one of them has terminated (status.phase Succeeded/Failed), the cell is
// `?`: not probed, neither allowed nor blocked.
// Both addresses of a probe from `from` to `to`, or nullopt when there is no such probe.
std::optional<std::pair<Endpoint, Endpoint>> probeEndpoints(const Pod& from, const Pod& to);
// The same for one address family (diff compares a dual-stack pair over both).
std::optional<std::pair<Endpoint, Endpoint>> familyEndpoints(const Pod& from, const Pod& to, Family family);

// One side's decision in words: "egress of x/a: denied by Admin ClusterNetworkPolicy ...".
std::string describeSide(const char* direction, const Pod& pod, const DirectionVerdict& v);

std::string renderMatrix(const Cluster& cluster, Protocol protocol, int32_t port);

// The connection from one pod to another, with both sides' deciding policies and rule indexes.
struct Explanation {
  bool probed = true;    // false when a pod has no usable address (no status.podIP): nothing was judged
  bool allowed = false;  // over every family both pods have; false when not probed
  Verdict verdict;       // the probe's (IPv4 first), or the other family's when only that one denies
  std::string text;
};
Explanation explainConnection(const Cluster& cluster, const Pod& from, const Pod& to, Protocol protocol, int32_t port);

}  // namespace netpol
