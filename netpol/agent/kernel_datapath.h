#pragma once
// The kernel adapter: namespaces from /var/run/netns and /proc, nf_tables through libnftnl batches
// (one netlink socket kept open per programmed namespace).
#include <memory>

#include "netpol/agent/datapath.h"
#include "netpol/render_nft.h"

namespace netpol::agent {

std::unique_ptr<Datapath> makeKernelDatapath(const RenderOptions& options);

}  // namespace netpol::agent
