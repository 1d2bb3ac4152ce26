#pragma once
// Where the agent's rulesets go: the pod network namespaces and their nf_tables. The kernel
// implementation is kernel_datapath.h; tests use a fake (tests/netpol/agent/fake_datapath.h).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netpol/model.h"
#include "netpol/nft_table.h"
#include "netpol/ruleset.h"

namespace netpol::agent {

struct NamespaceInfo {
  uint64_t id = 0;  // inode of the namespace
  std::string path;
  std::vector<IpAddress> addresses;
};

// Where one install's time went (the agent logs it with the pod's "ruleset installed" line).
struct InstallTiming {
  bool update = false;                // only the differing set elements (false: the whole table replaced)
  size_t messages = 0;                // netlink messages sent (of the batch that succeeded)
  double batchMs = 0, commitMs = 0;   // building the netlink batch(es); sending them and waiting for the acks
  // Of commitMs, the installing thread's CPU time: the kernel applies a batch inside sendmsg, so this is
  // its work, which other load on the machine does not inflate as it does the wall time.
  double commitCpuMs = 0;
  size_t deleted = 0, added = 0, recreatedSets = 0;  // of an update: elements, and sets made again whole
  size_t addedSets = 0, removedSets = 0;              // of an update: sets declared anew / no longer
};

// Where rulesets go. Install and remove are all-or-nothing: on error the old ruleset stays.
class Datapath {
 public:
  virtual ~Datapath() = default;
  virtual std::vector<NamespaceInfo> namespaces() = 0;
  // `table` is nft::buildTable(ruleset) with the agent's options; `installed`, when not null, is the
  // table this agent last installed there (the datapath may then change only what differs). `timing`,
  // when not null, receives where the time went.
  virtual std::optional<std::string> install(const NamespaceInfo& ns, const Ruleset& ruleset, const nft::Table& table,
                                             const nft::Table* installed, InstallTiming* timing = nullptr) = 0;
  virtual std::optional<std::string> remove(const NamespaceInfo& ns) = 0;
  // How many threads may call install() at once, each for a different namespace, besides the caller
  // (remove() may run meanwhile); 0: installs are called one at a time from the caller's thread.
  virtual unsigned installWorkers() const { return 0; }
  // Whether the namespace already holds kguard's table (installed by an earlier run of the agent).
  virtual bool hasTable(const NamespaceInfo&) { return false; }
  // The addresses of the agent's own network namespace (the node's), loopback and IPv6 link-local left
  // out. The node reaches its pods from whichever of them the route picks — on a bridge CNI the
  // bridge's gateway address, not the Node's InternalIP — and NetworkPolicy always admits a pod's own
  // node (kubelet probes), so all of them count as the node.
  virtual std::vector<IpAddress> nodeInterfaceAddresses() { return {}; }
};

}  // namespace netpol::agent
