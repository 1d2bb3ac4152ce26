#include "netpol/agent/netns.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <set>
#include <stdexcept>
#include <thread>

#include "netpol/render_nft.h"

namespace netpol::agent {

void inNetns(const Netns& ns, const std::function<void()>& fn) {
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      if (setns(ns.fd(), CLONE_NEWNET) != 0)
        throw std::runtime_error("setns " + ns.path() + ": " + std::strerror(errno));
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  });
  worker.join();
  if (error) std::rethrow_exception(error);
}

namespace {

struct Socket {
  explicit Socket(int bus) : nl(mnl_socket_open(bus)) {
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
      throw std::runtime_error(std::string("netlink socket: ") + std::strerror(errno));
  }
  ~Socket() {
    if (nl) mnl_socket_close(nl);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  mnl_socket* nl;
};

std::optional<std::pair<dev_t, ino_t>> identity(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return std::nullopt;
  return std::make_pair(st.st_dev, st.st_ino);
}

void collect(const std::string& path, std::set<std::pair<dev_t, ino_t>>& seen, std::vector<Netns>& out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // gone meanwhile, or not a namespace file
  auto id = identity(fd);
  if (!id || !seen.insert(*id).second) {
    close(fd);
    return;
  }
  out.emplace_back(fd, path, id->second);
}

int addressCallback(const nlmsghdr* nlh, void* data) {
  auto* out = static_cast<std::vector<IpAddress>*>(data);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  // mnl_attr_for_each is a C macro (void* arithmetic); walk the attributes by hand.
  const auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(*ifa)));
  const char* end = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (; mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<const char*>(attr))); attr = mnl_attr_next(attr)) {
    if (mnl_attr_get_type(attr) != IFA_ADDRESS && mnl_attr_get_type(attr) != IFA_LOCAL) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(ifa->ifa_family, mnl_attr_get_payload(attr), text, sizeof text)) continue;
    auto ip = parseIp(text);
    if (ip && std::find(out->begin(), out->end(), *ip) == out->end()) out->push_back(*ip);
  }
  return MNL_CB_OK;
}

}  // namespace

Netns& Netns::operator=(Netns&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    inode_ = o.inode_;
    o.fd_ = -1;
  }
  return *this;
}

Netns::~Netns() {
  if (fd_ >= 0) close(fd_);
}

std::vector<Netns> discoverNetns() {
  std::set<std::pair<dev_t, ino_t>> seen;
  int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self >= 0) {
    if (auto id = identity(self)) seen.insert(*id);
    close(self);
  }
  std::vector<Netns> out;
  auto scan = [&](const std::string& dir, bool pids) {
    DIR* d = opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (pids && name.find_first_not_of("0123456789") != std::string::npos) continue;
      names.push_back(name);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) collect(dir + "/" + name + (pids ? "/ns/net" : ""), seen, out);
  };
  scan("/var/run/netns", false);
  scan("/proc", true);
  return out;
}

std::vector<IpAddress> interfaceAddresses(const Netns& ns) {
  std::vector<IpAddress> out;
  inNetns(ns, [&] {
    Socket sock(NETLINK_ROUTE);
    std::vector<char> storage(MNL_SOCKET_BUFFER_SIZE);
    char* buf = storage.data();
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    uint32_t seq = 1;
    nlh->nlmsg_seq = seq;
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    ifa->ifa_family = AF_UNSPEC;
    if (mnl_socket_sendto(sock.nl, nlh, nlh->nlmsg_len) < 0) throw std::runtime_error("RTM_GETADDR send failed");
    unsigned portid = mnl_socket_get_portid(sock.nl);
    int ret;
    while ((ret = static_cast<int>(mnl_socket_recvfrom(sock.nl, buf, storage.size()))) > 0) {
      ret = mnl_cb_run(buf, static_cast<size_t>(ret), seq, portid, addressCallback, &out);
      if (ret <= MNL_CB_STOP) break;
    }
    if (ret < 0) throw std::runtime_error(std::string("RTM_GETADDR: ") + std::strerror(errno));
  });
  return out;
}

bool hasKguardTable(const Netns& ns) {
  bool found = false;
  inNetns(ns, [&] {
    Socket sock(NETLINK_NETFILTER);
    std::vector<char> storage(MNL_SOCKET_BUFFER_SIZE);
    char* buf = storage.data();
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    uint32_t seq = 1;
    nlh->nlmsg_seq = seq;
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = NFPROTO_INET;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = 0;
    mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, kTableName);
    if (mnl_socket_sendto(sock.nl, nlh, nlh->nlmsg_len) < 0) throw std::runtime_error("NFT_MSG_GETTABLE send failed");
    unsigned portid = mnl_socket_get_portid(sock.nl);
    // The table comes back as one NEWTABLE message, then the ack; a missing table is ENOENT.
    int ret;
    while ((ret = static_cast<int>(mnl_socket_recvfrom(sock.nl, buf, storage.size()))) > 0) {
      ret = mnl_cb_run(buf, static_cast<size_t>(ret), seq, portid,
                       [](const nlmsghdr*, void* data) {
                         *static_cast<bool*>(data) = true;
                         return MNL_CB_OK;
                       },
                       &found);
      if (ret <= MNL_CB_STOP) break;
    }
    if (ret < 0) {
      if (errno == ENOENT) {
        found = false;
        return;
      }
      throw std::runtime_error(std::string("NFT_MSG_GETTABLE: ") + std::strerror(errno));
    }
  });
  return found;
}

NftSocket::NftSocket(const Netns& ns) {
  inNetns(ns, [&] {
    nl_ = mnl_socket_open(NETLINK_NETFILTER);
    if (!nl_ || mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
      std::string error = std::string("netlink socket: ") + std::strerror(errno);
      if (nl_) mnl_socket_close(nl_);
      nl_ = nullptr;
      throw std::runtime_error(error);
    }
  });
}

NftSocket::~NftSocket() {
  if (nl_) mnl_socket_close(nl_);
}

std::optional<std::string> NftSocket::apply(const NftBatch& batch) {
  int fd = mnl_socket_get_fd(nl_);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  // Answers left over from an earlier batch that timed out must not count as this batch's acks.
  while (recv(fd, buf.data(), buf.size(), MSG_DONTWAIT) > 0) {
  }
  // A large batch must fit the socket buffer in one sendto (as nft does, with the force variant).
  int size = static_cast<int>(batch.bytes.size()) + 4096;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  if (mnl_socket_sendto(nl_, batch.bytes.data(), batch.bytes.size()) < 0)
    return std::string("sending the batch: ") + std::strerror(errno);
  // Every message asked for an ack: wait for one per message, or for the kernel to go quiet after
  // an error (an aborted transaction does not ack the messages after the failing one).
  size_t acks = 0;
  std::string errors;
  pollfd pfd{fd, POLLIN, 0};
  while (acks < batch.messageCount()) {
    int ready = poll(&pfd, 1, errors.empty() ? 5000 : 200);
    if (ready <= 0) {
      if (errors.empty()) errors = "no answer from nf_tables";
      break;
    }
    ssize_t received = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (received <= 0) break;
    int n = static_cast<int>(received);
    for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
      if (nlh->nlmsg_type != NLMSG_ERROR) continue;
      if (nlh->nlmsg_seq < batch.firstSeq || nlh->nlmsg_seq - batch.firstSeq >= batch.messageCount()) continue;
      ++acks;
      auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      if (err->error != 0)
        errors += (errors.empty() ? "" : "; ") + batch.objectOf(nlh->nlmsg_seq) + ": " + std::strerror(-err->error);
    }
  }
  if (!errors.empty()) return errors;
  return std::nullopt;
}

std::optional<std::string> applyBatch(const Netns& ns, const NftBatch& batch) { return NftSocket(ns).apply(batch); }

}  // namespace netpol::agent
