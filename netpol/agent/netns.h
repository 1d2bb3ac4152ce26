#pragma once
// Network namespaces on this machine and the work done inside one of them: programming nf_tables
// and reading interface addresses. Netlink sockets belong to the namespace they are created in, so
// each operation opens its sockets on a short-lived thread that has joined the namespace (setns
// changes only the calling thread), leaving the agent's own threads where they were.
#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netpol/agent/nft_batch.h"
#include "netpol/ip.h"

struct mnl_socket;

namespace netpol::agent {

// An open network namespace, identified by its inode (the same namespace is reachable from a named
// path under /var/run/netns and from /proc/PID/ns/net of every process inside it).
class Netns {
 public:
  Netns(int fd, std::string path, ino_t inode) : fd_(fd), path_(std::move(path)), inode_(inode) {}
  Netns(Netns&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)), inode_(o.inode_) { o.fd_ = -1; }
  Netns& operator=(Netns&& o) noexcept;
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  ~Netns();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  ino_t inode() const { return inode_; }

 private:
  int fd_;
  std::string path_;
  ino_t inode_;
};

// Runs fn on a fresh thread that has joined `ns`; rethrows what fn throws. Sockets fn opens stay in `ns`.
void inNetns(const Netns& ns, const std::function<void()>& fn);

// Named namespaces (/var/run/netns/*) first, then /proc/*/ns/net, deduplicated by inode; the
// agent's own namespace (the host's) is left out.
std::vector<Netns> discoverNetns();

// Every address on every interface of the namespace (RTM_GETADDR dump). Throws std::runtime_error.
std::vector<IpAddress> interfaceAddresses(const Netns& ns);

// Whether the namespace holds kguard's table (table inet kguard), by NFT_MSG_GETTABLE. Throws
// std::runtime_error when nf_tables cannot be asked.
bool hasKguardTable(const Netns& ns);

// An nf_tables netlink socket opened inside a namespace. A socket stays bound to the namespace it
// was created in, so later batches go out from any thread without setns. Keeping it open between
// batches also matters for latency: closing an nf_tables socket waits until the objects earlier
// transactions replaced have been destroyed (an RCU grace period, milliseconds).
class NftSocket {
 public:
  explicit NftSocket(const Netns& ns);  // throws std::runtime_error
  ~NftSocket();
  NftSocket(const NftSocket&) = delete;
  NftSocket& operator=(const NftSocket&) = delete;

  // Sends one batch and waits for every ack. Returns the error text, naming the object whose message
  // failed ("set ingress_v4_ports: File exists"), or nullopt.
  std::optional<std::string> apply(const NftBatch& batch);

 private:
  ::mnl_socket* nl_ = nullptr;
};

// One batch through a socket opened for it.
std::optional<std::string> applyBatch(const Netns& ns, const NftBatch& batch);

}  // namespace netpol::agent
