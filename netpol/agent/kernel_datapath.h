#pragma once
// The kernel adapter: namespaces from /var/run/netns and /proc, nf_tables through libnftnl batches
// (one netlink socket kept open per programmed namespace).
#include <memory>

#include "netpol/agent/datapath.h"

namespace netpol::agent {

class DenyLogReader;

// With `denyLog`, every namespace a ruleset is installed in is also read for its drop rules' NFLOG
// packets, until the namespace is gone.
std::unique_ptr<Datapath> makeKernelDatapath(DenyLogReader* denyLog = nullptr);

}  // namespace netpol::agent
