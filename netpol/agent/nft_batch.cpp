#include "netpol/agent/nft_batch.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <tuple>
#include <map>
#include <memory>
#include <optional>

namespace netpol::agent {
namespace {

// nftables datatype ids (nftables' datatype.h), used to compose concatenated key types the way nft
// does, so that `nft list` prints the sets readably.
constexpr uint32_t kTypeIpv4 = 7, kTypeIpv6 = 8, kTypeInetProto = 12, kTypeInetService = 13, kTypeBits = 6;
// ct state bits (NF_CT_STATE_BIT): established = 1 << 1, related = 1 << 2, new = 1 << 3.
constexpr uint32_t kCtEstablishedRelated = (1u << 1) | (1u << 2), kCtNew = 1u << 3;
// TCP header flags byte (offset 13): SYN 0x02, ACK 0x10.
constexpr uint8_t kTcpSyn = 0x02, kTcpAck = 0x10;
// Element chunks keep each message well under the socket's page size.
constexpr size_t kElementsPerMessage = 256;
// What an element update costs. Removing an element from a concatenated (pipapo) set is a pass over the
// set, so a deletion costs in proportion to the set's size: ~50 µs at least (bench/netpol_agent/
// nft_update_cost.cpp, sets of single addresses), and ~0.5-1.4 ms each from the ~600-element sets of
// address ranges of the CNP change-loop bench (the agent's `commit cpu` per pod, docs/benchmarks.md, issue
// 17, session 10) - about 1.5 µs per element of the set. Adding an element costs ~2 µs; recreating a set
// ~3 µs per element of the new set. A set that loses more than that model allows is recreated whole
// instead (buildUpdateBatch).
constexpr double kMinDeletionMicros = 50, kDeletionMicrosPerSetElement = 1.5, kRecreateMicrosPerElement = 3;
// And never more deletions from one set than this, whatever that model says (the bound the CNP
// change-loop bench measured before the model, docs/benchmarks.md, "update vs replace").
constexpr size_t kMaxUpdateDeletions = 32;

template <typename T, void (*Free)(const T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Table = std::unique_ptr<nftnl_table, Deleter<nftnl_table, nftnl_table_free>>;
using Chain = std::unique_ptr<nftnl_chain, Deleter<nftnl_chain, nftnl_chain_free>>;
using Set = std::unique_ptr<nftnl_set, Deleter<nftnl_set, nftnl_set_free>>;
using Rule = std::unique_ptr<nftnl_rule, Deleter<nftnl_rule, nftnl_rule_free>>;
using Obj = std::unique_ptr<nftnl_obj, Deleter<nftnl_obj, nftnl_obj_free>>;

class BatchWriter {
 public:
  explicit BatchWriter(uint32_t firstSeq) : seq_(firstSeq) {
    batch_.firstSeq = firstSeq;
    reserve(1);
    nftnl_batch_begin(tail(), seq_ - 1);  // the begin marker's seq is never acked
    advance();
  }

  // Starts one message: header with its own seq and NLM_F_ACK; returns it for the payload.
  nlmsghdr* message(uint16_t type, uint16_t flags, const std::string& object) {
    reserve(1);
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(tail(), type, NFPROTO_INET, flags | NLM_F_ACK, seq_++);
    batch_.objects.push_back(object);
    return nlh;
  }
  void done() { advance(); }

  NftBatch finish() {
    reserve(1);
    nftnl_batch_end(tail(), seq_);
    advance();
    batch_.bytes.resize(used_);
    return std::move(batch_);
  }

 private:
  // Keeps room for one more message of at most kMessageRoom bytes after the used part.
  static constexpr size_t kMessageRoom = 256 * 1024;
  void reserve(size_t) {
    if (batch_.bytes.size() < used_ + kMessageRoom) batch_.bytes.resize(used_ + 2 * kMessageRoom);
  }
  char* tail() { return batch_.bytes.data() + used_; }
  void advance() { used_ += NLMSG_ALIGN(reinterpret_cast<nlmsghdr*>(tail())->nlmsg_len); }

  NftBatch batch_;
  uint32_t seq_;
  size_t used_ = 0;
};

Table makeTable() {
  Table t(nftnl_table_alloc());
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTableName);
  return t;
}

void addTableMessage(BatchWriter& w, uint16_t type, uint16_t flags, const char* what) {
  auto t = makeTable();
  nlmsghdr* nlh = w.message(type, flags, std::string(what) + " table inet " + kTableName);
  nftnl_table_nlmsg_build_payload(nlh, t.get());
  w.done();
}

// --- expressions -----------------------------------------------------------------------------

void addExpr(nftnl_rule* r, nftnl_expr* e) { nftnl_rule_add_expr(r, e); }

void meta(nftnl_rule* r, uint32_t key, uint32_t dreg) {
  nftnl_expr* e = nftnl_expr_alloc("meta");
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
  addExpr(r, e);
}

void payload(nftnl_rule* r, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg) {
  nftnl_expr* e = nftnl_expr_alloc("payload");
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
  addExpr(r, e);
}

void cmp(nftnl_rule* r, uint32_t op, const void* data, uint32_t len) {
  nftnl_expr* e = nftnl_expr_alloc("cmp");
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
  addExpr(r, e);
}

void cmpU8(nftnl_rule* r, uint32_t op, uint8_t value) { cmp(r, op, &value, 1); }

// `accept`/`drop`, or `jump`/`goto` `chain`.
void verdict(nftnl_rule* r, int code, const std::string& chain = "") {
  nftnl_expr* e = nftnl_expr_alloc("immediate");
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(code));
  if (!chain.empty()) nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain.c_str());
  addExpr(r, e);
}

// `@set`, or with `verdictMap` `vmap @set`: the element found sets the verdict register.
void lookup(nftnl_rule* r, const std::string& set, uint32_t setId, uint32_t sreg, bool verdictMap) {
  nftnl_expr* e = nftnl_expr_alloc("lookup");
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
  if (verdictMap) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.c_str());
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, setId);
  addExpr(r, e);
}

void nfproto(nftnl_rule* r, uint8_t proto) {
  meta(r, NFT_META_NFPROTO, NFT_REG_1);
  cmpU8(r, NFT_CMP_EQ, proto);
}

// --- sets ------------------------------------------------------------------------------------

size_t addrLen(int family) { return family == 0 ? 4 : 16; }

std::vector<uint8_t> addressBytes(const IpAddress& a) {
  std::vector<uint8_t> out;
  if (a.family == Family::V4) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(a.lo >> (8 * i)));
  } else {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(a.hi >> (8 * i)));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(a.lo >> (8 * i)));
  }
  return out;
}

// The register layout of `addr . meta l4proto . th dport`: each field padded to 32 bits.
std::vector<uint8_t> concatKey(const IpAddress& a, Protocol protocol, int32_t port) {
  auto key = addressBytes(a);
  uint8_t proto = protocol == Protocol::TCP ? IPPROTO_TCP : protocol == Protocol::UDP ? IPPROTO_UDP : IPPROTO_SCTP;
  key.insert(key.end(), {proto, 0, 0, 0});
  key.insert(key.end(), {static_cast<uint8_t>(port >> 8), static_cast<uint8_t>(port & 0xff), 0, 0});
  return key;
}

void setComment(nftnl_set_elem* e, const std::string& comment) {
  if (comment.empty()) return;
  nftnl_udata_buf* buf = nftnl_udata_buf_alloc(256);
  nftnl_udata_put_strz(buf, NFTNL_UDATA_SET_ELEM_COMMENT, comment.c_str());
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(buf), nftnl_udata_buf_len(buf));
  nftnl_udata_buf_free(buf);
}

// A set object carrying name, key type and flags; `id` ties the rules' lookups to it in the batch.
Set makeSet(const nft::Set& spec, uint32_t id) {
  Set s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, spec.name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  if (id) nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
  uint32_t addrType = spec.family == 0 ? kTypeIpv4 : kTypeIpv6;
  // A verdict map: the kernel sizes its data (struct nft_verdict) itself.
  const uint32_t map = spec.verdictMap ? NFT_SET_MAP : 0;
  if (spec.verdictMap) nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
  if (spec.withPorts) {
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, NFT_SET_INTERVAL | NFT_SET_CONCAT | map);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, static_cast<uint32_t>(addrLen(spec.family) + 8));
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE,
                      (((addrType << kTypeBits) | kTypeInetProto) << kTypeBits) | kTypeInetService);
    uint8_t fields[NFT_REG32_COUNT] = {static_cast<uint8_t>(addrLen(spec.family)), 1, 2};
    nftnl_set_set_data(s.get(), NFTNL_SET_DESC_CONCAT, fields, 3);
  } else {
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, NFT_SET_INTERVAL | map);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, static_cast<uint32_t>(addrLen(spec.family)));
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, addrType);
  }
  return s;
}

// A verdict map's element added: `accept`, or `goto` its deny chain (deletions name the key alone).
void setVerdict(nftnl_set_elem* e, const nft::SetElement& el) {
  if (el.gotoChain.empty()) {
    nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NF_ACCEPT);
    return;
  }
  nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, static_cast<uint32_t>(NFT_GOTO));
  nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, el.gotoChain.c_str());
}

// A plain interval set (rbtree) takes each range as a start element and an end element one past the
// range flagged INTERVAL_END, as nft sends them; the normalised ranges never touch (the address-only
// sets are never verdict maps, whose ranges could).
void addAddressElement(nftnl_set* s, const nft::SetElement& el) {
  auto start = addressBytes(el.address.first);
  nftnl_set_elem* e = nftnl_set_elem_alloc();
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, start.data(), static_cast<uint32_t>(start.size()));
  setComment(e, el.comment);
  nftnl_set_elem_add(s, e);
  if (el.address.last == wholeFamily(el.address.family()).last) return;  // open end
  auto end = addressBytes(nextAddress(el.address.last));
  nftnl_set_elem* closing = nftnl_set_elem_alloc();
  nftnl_set_elem_set(closing, NFTNL_SET_ELEM_KEY, end.data(), static_cast<uint32_t>(end.size()));
  nftnl_set_elem_set_u32(closing, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
  nftnl_set_elem_add(s, closing);
}

// A concatenated interval set (pipapo) takes one element with key (start) and key_end (end); in a
// verdict map, added with its verdict.
void addPortElement(nftnl_set* s, const nft::SetElement& el, bool withVerdict) {
  auto key = concatKey(el.address.first, el.protocol, el.firstPort);
  auto keyEnd = concatKey(el.address.last, el.protocol, el.lastPort);
  nftnl_set_elem* e = nftnl_set_elem_alloc();
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key.data(), static_cast<uint32_t>(key.size()));
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, keyEnd.data(), static_cast<uint32_t>(keyEnd.size()));
  if (withVerdict) setVerdict(e, el);
  setComment(e, el.comment);
  nftnl_set_elem_add(s, e);
}

// `elements` of the set in chunks, added (NEWSETELEM) or deleted (DELSETELEM, by the same keys);
// `id` 0: a set the kernel already holds, found by name.
void putElements(BatchWriter& w, const nft::Set& spec, uint32_t id, const std::vector<const nft::SetElement*>& elements,
                 bool add) {
  const size_t count = elements.size();
  for (size_t start = 0; start < count; start += kElementsPerMessage) {
    auto chunk = makeSet(spec, id);
    size_t end = std::min(count, start + kElementsPerMessage);
    for (size_t i = start; i < end; ++i)
      spec.withPorts ? addPortElement(chunk.get(), *elements[i], add && spec.verdictMap)
                     : addAddressElement(chunk.get(), *elements[i]);
    nlmsghdr* nlh = w.message(add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, add ? NLM_F_CREATE : 0,
                              std::string(add ? "elements " : "deleting elements ") + std::to_string(start) + ".." +
                                  std::to_string(end - 1) + " of set " + spec.name);
    nftnl_set_elems_nlmsg_build_payload(nlh, chunk.get());
    w.done();
  }
}

// The set, then its elements.
void addSet(BatchWriter& w, const nft::Set& spec, uint32_t id) {
  auto s = makeSet(spec, id);
  nlmsghdr* nlh = w.message(NFT_MSG_NEWSET, NLM_F_CREATE, "set " + spec.name);
  nftnl_set_nlmsg_build_payload(nlh, s.get());
  w.done();
  std::vector<const nft::SetElement*> all;
  for (const auto& e : spec.elements) all.push_back(&e);
  putElements(w, spec, id, all, true);
}

bool elementBefore(const nft::SetElement* a, const nft::SetElement* b) {
  return std::tie(a->address, a->protocol, a->firstPort, a->lastPort, a->comment, a->gotoChain) <
         std::tie(b->address, b->protocol, b->firstPort, b->lastPort, b->comment, b->gotoChain);
}

// The elements of `a` that `b` lacks (equal = same key, comment and verdict).
std::vector<const nft::SetElement*> missingFrom(const nft::Set& a, const nft::Set& b) {
  std::vector<const nft::SetElement*> left, right, out;
  for (const auto& e : a.elements) left.push_back(&e);
  for (const auto& e : b.elements) right.push_back(&e);
  std::sort(left.begin(), left.end(), elementBefore);
  std::sort(right.begin(), right.end(), elementBefore);
  std::set_difference(left.begin(), left.end(), right.begin(), right.end(), std::back_inserter(out), elementBefore);
  return out;
}

// Another key or data type: the set must be made again.
bool otherType(const nft::Set& a, const nft::Set& b) {
  return a.family != b.family || a.withPorts != b.withPorts || a.verdictMap != b.verdictMap;
}

// Same counters, chains (and so the rules' set names and log prefixes) and set declarations: the
// tables differ at most in their sets' elements.
bool sameLayout(const nft::Table& a, const nft::Table& b) {
  if (a.counters != b.counters || a.chains != b.chains || a.denyChains != b.denyChains ||
      a.exemptChains != b.exemptChains || a.sets.size() != b.sets.size())
    return false;
  for (size_t i = 0; i < a.sets.size(); ++i)
    if (a.sets[i].name != b.sets[i].name || otherType(a.sets[i], b.sets[i])) return false;
  return true;
}

// Same base chains (names and hooks, in order; all are filter chains of priority 0, policy accept): what
// an update keeps. A chain that comes or goes, or moves to another hook, takes a whole-table replace.
// (The chain's comment is text only: the batch does not carry it.)
bool sameChains(const nft::Table& a, const nft::Table& b) {
  if (a.chains.size() != b.chains.size()) return false;
  for (size_t i = 0; i < a.chains.size(); ++i)
    if (a.chains[i].name != b.chains[i].name || a.chains[i].hook != b.chains[i].hook) return false;
  return true;
}

// Whether recreating a set with `size` elements costs less than deleting `deleted` of its elements.
bool recreateCheaper(size_t deleted, size_t size) {
  const double deletionMicros = std::max(kMinDeletionMicros, kDeletionMicrosPerSetElement * static_cast<double>(size));
  return deleted > kMaxUpdateDeletions || static_cast<double>(deleted) * deletionMicros > static_cast<double>(size) * kRecreateMicrosPerElement;
}

void deleteSet(BatchWriter& w, const nft::Set& spec) {
  auto s = makeSet(spec, 0);
  nlmsghdr* nlh = w.message(NFT_MSG_DELSET, 0, "deleting set " + spec.name);
  nftnl_set_nlmsg_build_payload(nlh, s.get());
  w.done();
}

// --- chains and rules ------------------------------------------------------------------------

// NEWCHAIN (add) or DELCHAIN of a chain: a base chain on its hook, or (`base` false) a regular chain
// (deny or exempt).
void putChain(BatchWriter& w, const nft::Chain& chain, bool base, bool add) {
  Chain c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, chain.name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
  if (base && add) {
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, chain.hook == nft::Hook::Input ? NF_INET_LOCAL_IN : NF_INET_LOCAL_OUT);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, 0);  // priority filter
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  }
  nlmsghdr* nlh = w.message(add ? NFT_MSG_NEWCHAIN : NFT_MSG_DELCHAIN, add ? NLM_F_CREATE : 0,
                            (add ? "chain " : "deleting chain ") + chain.name);
  nftnl_chain_nlmsg_build_payload(nlh, c.get());
  w.done();
}

// reg1 = reg1 & mask (`len` bytes).
void maskReg1(nftnl_rule* rule, const void* mask, uint32_t len) {
  const uint8_t zero[16] = {};
  nftnl_expr* bits = nftnl_expr_alloc("bitwise");
  nftnl_expr_set_u32(bits, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32(bits, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32(bits, NFTNL_EXPR_BITWISE_LEN, len);
  nftnl_expr_set(bits, NFTNL_EXPR_BITWISE_MASK, mask, len);
  nftnl_expr_set(bits, NFTNL_EXPR_BITWISE_XOR, zero, len);
  addExpr(rule, bits);
}

// `ct state S1,S2...`: any of the state bits in `mask`.
void ctStateAny(nftnl_rule* rule, uint32_t mask) {
  nftnl_expr* ct = nftnl_expr_alloc("ct");
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
  addExpr(rule, ct);
  maskReg1(rule, &mask, sizeof mask);
  uint32_t zero = 0;
  cmp(rule, NFT_CMP_NEQ, &zero, sizeof zero);
}

// `ct state new tcp flags & (syn | ack) == ack`: a TCP segment conntrack picked up mid-stream.
void midStreamTcp(nftnl_rule* rule) {
  ctStateAny(rule, kCtNew);
  meta(rule, NFT_META_L4PROTO, NFT_REG_1);
  cmpU8(rule, NFT_CMP_EQ, IPPROTO_TCP);
  payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1);
  uint8_t mask = kTcpSyn | kTcpAck;
  maskReg1(rule, &mask, 1);
  cmpU8(rule, NFT_CMP_EQ, kTcpAck);
}

// `ip saddr @set`, or with ports `ip saddr . meta l4proto . th dport @set` (daddr for output; th sport
// with portIsSource).
void peerInSet(nftnl_rule* rule, const nft::Rule& r, uint32_t setId) {
  nfproto(rule, r.family == 0 ? NFPROTO_IPV4 : NFPROTO_IPV6);
  if (r.portlessProtocols) {
    meta(rule, NFT_META_L4PROTO, NFT_REG_1);
    for (uint8_t p : {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP}) cmpU8(rule, NFT_CMP_NEQ, p);
  }
  // Peer address: source for ingress, destination for egress (IPv4 offset 12/16, IPv6 8/24).
  uint32_t offset = r.family == 0 ? (r.peerIsSource ? 12 : 16) : (r.peerIsSource ? 8 : 24);
  uint32_t reg = r.withPorts ? NFT_REG32_00 : NFT_REG_1;
  payload(rule, NFT_PAYLOAD_NETWORK_HEADER, offset, static_cast<uint32_t>(addrLen(r.family)), reg);
  if (r.withPorts) {
    // Concatenation in consecutive 32-bit registers: address, l4proto, destination port.
    uint32_t protoReg = reg + static_cast<uint32_t>(addrLen(r.family) / 4);
    meta(rule, NFT_META_L4PROTO, protoReg);
    payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER, r.portIsSource ? 0 : 2, 2, protoReg + 1);
  }
  lookup(rule, r.set, setId, reg, r.verdict == nft::Verdict::Map);
}

void icmpv6Types(nftnl_rule* rule, uint8_t first, uint8_t last) {
  nfproto(rule, NFPROTO_IPV6);
  meta(rule, NFT_META_L4PROTO, NFT_REG_1);
  cmpU8(rule, NFT_CMP_EQ, IPPROTO_ICMPV6);
  payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
  if (first == last) {
    cmpU8(rule, NFT_CMP_EQ, first);
  } else {
    cmpU8(rule, NFT_CMP_GTE, first);
    cmpU8(rule, NFT_CMP_LTE, last);
  }
}

// The rule's expressions: match, counter, log, verdict (the order nft uses for the same text).
void buildRule(nftnl_rule* rule, const nft::Rule& r, const std::map<std::string, uint32_t>& setIds) {
  if (r.midStreamTcp) midStreamTcp(rule);
  switch (r.match) {
    case nft::Rule::Match::EstablishedOrRelated: ctStateAny(rule, kCtEstablishedRelated); break;
    case nft::Rule::Match::PeerInSet: peerInSet(rule, r, setIds.at(r.set)); break;
    case nft::Rule::Match::Loopback: {
      meta(rule, r.peerIsSource ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1);
      char name[16] = "lo";
      cmp(rule, NFT_CMP_EQ, name, sizeof name);
      break;
    }
    case nft::Rule::Match::Icmpv6Types: icmpv6Types(rule, r.icmpFirst, r.icmpLast); break;
    case nft::Rule::Match::Any: break;
  }
  if (!r.counter.empty()) {
    nftnl_expr* ref = nftnl_expr_alloc("objref");
    nftnl_expr_set_u32(ref, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
    nftnl_expr_set_str(ref, NFTNL_EXPR_OBJREF_IMM_NAME, r.counter.c_str());
    addExpr(rule, ref);
  }
  if (r.logRateLimited) {
    nftnl_expr* limit = nftnl_expr_alloc("limit");
    nftnl_expr_set_u64(limit, NFTNL_EXPR_LIMIT_RATE, kDenyLogPerSecond);
    nftnl_expr_set_u64(limit, NFTNL_EXPR_LIMIT_UNIT, 1);  // per second
    nftnl_expr_set_u32(limit, NFTNL_EXPR_LIMIT_BURST, kDenyLogBurst);
    nftnl_expr_set_u32(limit, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
    nftnl_expr_set_u32(limit, NFTNL_EXPR_LIMIT_FLAGS, 0);
    addExpr(rule, limit);
  }
  if (r.logPrefix) {
    nftnl_expr* log = nftnl_expr_alloc("log");
    nftnl_expr_set_str(log, NFTNL_EXPR_LOG_PREFIX, r.logPrefix->c_str());
    nftnl_expr_set_u16(log, NFTNL_EXPR_LOG_GROUP, static_cast<uint16_t>(r.logGroup));
    addExpr(rule, log);
  }
  switch (r.verdict) {
    case nft::Verdict::Accept: verdict(rule, NF_ACCEPT); break;
    case nft::Verdict::Drop: verdict(rule, NF_DROP); break;
    case nft::Verdict::Jump: verdict(rule, NFT_JUMP, r.chain); break;
    case nft::Verdict::Goto: verdict(rule, NFT_GOTO, r.chain); break;
    case nft::Verdict::Map: break;  // the lookup wrote the verdict register
  }
}

void addRules(BatchWriter& w, const nft::Chain& chain, const std::map<std::string, uint32_t>& setIds) {
  int number = 0;
  for (const auto& r : chain.rules) {
    Rule rule(nftnl_rule_alloc());
    nftnl_rule_set_str(rule.get(), NFTNL_RULE_TABLE, kTableName);
    nftnl_rule_set_str(rule.get(), NFTNL_RULE_CHAIN, chain.name.c_str());
    nftnl_rule_set_u32(rule.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
    buildRule(rule.get(), r, setIds);
    nlmsghdr* nlh = w.message(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
                              "rule #" + std::to_string(++number) + " of chain " + chain.name + " (" + nft::ruleText(r) + ")");
    nftnl_rule_nlmsg_build_payload(nlh, rule.get());
    w.done();
  }
}

// Deletes every rule of the chain (a DELRULE naming only the chain); the chain and its hook stay.
void flushChain(BatchWriter& w, const nft::Chain& chain) {
  Rule rule(nftnl_rule_alloc());
  nftnl_rule_set_str(rule.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(rule.get(), NFTNL_RULE_CHAIN, chain.name.c_str());
  nftnl_rule_set_u32(rule.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  nlmsghdr* nlh = w.message(NFT_MSG_DELRULE, 0, "flushing chain " + chain.name);
  nftnl_rule_nlmsg_build_payload(nlh, rule.get());
  w.done();
}

// NEWOBJ (add) or DELOBJ of the named counter.
void putCounter(BatchWriter& w, const std::string& name, bool add) {
  Obj o(nftnl_obj_alloc());
  nftnl_obj_set_str(o.get(), NFTNL_OBJ_TABLE, kTableName);
  nftnl_obj_set_str(o.get(), NFTNL_OBJ_NAME, name.c_str());
  nftnl_obj_set_u32(o.get(), NFTNL_OBJ_FAMILY, NFPROTO_INET);
  nftnl_obj_set_u32(o.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
  nlmsghdr* nlh = w.message(add ? NFT_MSG_NEWOBJ : NFT_MSG_DELOBJ, add ? NLM_F_CREATE : 0,
                            (add ? "counter " : "deleting counter ") + name);
  nftnl_obj_nlmsg_build_payload(nlh, o.get());
  w.done();
}

}  // namespace

std::string NftBatch::objectOf(uint32_t seq) const {
  if (seq >= firstSeq && seq - firstSeq < objects.size()) return objects[seq - firstSeq];
  return "message #" + std::to_string(seq);
}

NftBatch buildReplaceBatch(const nft::Table& table, uint32_t firstSeq) {
  BatchWriter w(firstSeq);
  // add + delete + add: the old table (if any) goes, a fresh one comes, all in one transaction.
  addTableMessage(w, NFT_MSG_NEWTABLE, NLM_F_CREATE, "add");
  addTableMessage(w, NFT_MSG_DELTABLE, 0, "delete");
  addTableMessage(w, NFT_MSG_NEWTABLE, NLM_F_CREATE, "add");
  for (const auto& counter : table.counters) putCounter(w, counter, true);
  std::map<std::string, uint32_t> setIds;
  // Exempt chains before the deny chains that jump to them; their rules after the sets they look up.
  for (const auto& chain : table.exemptChains) putChain(w, chain, false, true);
  for (const auto& chain : table.denyChains) {  // before the verdict maps whose elements go to them
    putChain(w, chain, false, true);
    addRules(w, chain, setIds);
  }
  for (const auto& set : table.sets) {
    uint32_t id = static_cast<uint32_t>(setIds.size()) + 1;
    setIds[set.name] = id;
    addSet(w, set, id);
  }
  for (const auto& chain : table.exemptChains) addRules(w, chain, setIds);
  for (const auto& chain : table.chains) {
    putChain(w, chain, true, true);
    addRules(w, chain, setIds);
  }
  return w.finish();
}

NftBatch buildReplaceBatch(const Ruleset& ruleset, const RenderOptions& options, uint32_t firstSeq) {
  return buildReplaceBatch(nft::buildTable(ruleset, options), firstSeq);
}

namespace {

// Deletes the elements of `installed` that `set` lacks and adds those it lacks, counting them. Only the
// difference: removing an element from a concatenated (pipapo) set costs a pass over the whole set, so a
// flush would cost the square of its size.
void putElementDelta(BatchWriter& w, const nft::Set& installed, const nft::Set& set,
                     const std::vector<const nft::SetElement*>& gone, UpdateCounts& n) {
  auto added = missingFrom(set, installed);
  n.deleted += gone.size();
  n.added += added.size();
  putElements(w, set, 0, gone, false);
  putElements(w, set, 0, added, true);
}

}  // namespace

std::optional<NftBatch> buildElementDelta(const nft::Table& installed, const nft::Table& table, uint32_t firstSeq,
                                          size_t* deletions) {
  if (!sameLayout(installed, table)) return std::nullopt;
  BatchWriter w(firstSeq);
  UpdateCounts n;
  for (size_t i = 0; i < table.sets.size(); ++i)
    if (table.sets[i].elements != installed.sets[i].elements)
      putElementDelta(w, installed.sets[i], table.sets[i], missingFrom(installed.sets[i], table.sets[i]), n);
  if (deletions) *deletions = n.deleted;
  return w.finish();
}

std::optional<NftBatch> buildUpdateBatch(const nft::Table& installed, const nft::Table& table, uint32_t firstSeq,
                                         UpdateCounts* counts) {
  if (!sameChains(installed, table)) return std::nullopt;
  BatchWriter w(firstSeq);
  UpdateCounts n;
  std::vector<const nft::Set*> recreated, added, removed;  // removed: installed sets, by name
  std::vector<std::pair<const nft::Set*, const nft::Set*>> changed;  // (installed, new): an element delta
  for (const auto& set : table.sets) {
    const nft::Set* old = installed.findSet(set.name);
    if (!old) {
      added.push_back(&set);
    } else if (otherType(*old, set)) {
      removed.push_back(old);
      added.push_back(&set);
    } else if (set.elements != old->elements) {
      auto gone = missingFrom(*old, set);
      if (!gone.empty() && recreateCheaper(gone.size(), set.elements.size())) recreated.push_back(&set);
      else changed.emplace_back(old, &set);
    }
  }
  for (const auto& old : installed.sets)
    if (!table.findSet(old.name)) removed.push_back(&old);
  auto missing = [](const std::vector<std::string>& from, const std::vector<std::string>& in) {
    std::vector<std::string> out;
    for (const auto& name : from)
      if (std::find(in.begin(), in.end(), name) == in.end()) out.push_back(name);
    return out;
  };
  const auto newCounters = missing(table.counters, installed.counters);
  const auto goneCounters = missing(installed.counters, table.counters);
  for (const auto& counter : newCounters) putCounter(w, counter, true);
  // Exempt chains that come are made (empty) before the deny chains that jump to them; their rules are
  // refilled with the base chains' (below), and those that go are deleted after the deny chains.
  for (const auto& chain : table.exemptChains)
    if (!installed.findExemptChain(chain.name)) putChain(w, chain, false, true);
  // Deny chains (verdict maps' gotos) come before the elements that go to them, and go after the last
  // element (or set) that went to them is deleted; a kept one whose rules change is flushed and refilled.
  const std::map<std::string, uint32_t> noSets;  // deny chains look no set up
  std::vector<const nft::Chain*> goneDenyChains;
  for (const auto& chain : table.denyChains) {
    const nft::Chain* old = installed.findDenyChain(chain.name);
    if (old && old->rules == chain.rules) continue;
    if (old) flushChain(w, chain);
    else putChain(w, chain, false, true);
    addRules(w, chain, noSets);
  }
  for (const auto& old : installed.denyChains)
    if (!table.findDenyChain(old.name)) goneDenyChains.push_back(&old);
  for (const auto& [old, set] : changed) putElementDelta(w, *old, *set, missingFrom(*old, *set), n);
  // A set or counter a rule uses cannot be deleted, and a rule cannot be edited in place: when rules
  // change or a set or counter goes, the chains' rules are flushed first and added back last, all in
  // this one transaction (the chains and their hooks stay, and so do the sets and counters that are
  // kept). New sets are found by their batch id (a deleted one's name is gone from the next
  // generation); the rest by name.
  bool rulesChange = installed.exemptChains != table.exemptChains;
  for (size_t i = 0; i < table.chains.size(); ++i) rulesChange |= table.chains[i].rules != installed.chains[i].rules;
  const bool flush = rulesChange || !recreated.empty() || !removed.empty() || !goneCounters.empty();
  if (flush)
    for (const auto* chains : {&installed.exemptChains, &installed.chains})
      for (const auto& chain : *chains) flushChain(w, chain);
  for (const nft::Set* set : removed) deleteSet(w, *set);
  for (const nft::Set* set : recreated) deleteSet(w, *set);
  for (const nft::Chain* chain : goneDenyChains) {
    flushChain(w, *chain);
    putChain(w, *chain, false, false);
  }
  for (const auto& old : installed.exemptChains)  // flushed above: the exempt rules changed
    if (!table.findExemptChain(old.name)) putChain(w, old, false, false);
  for (const auto& counter : goneCounters) putCounter(w, counter, false);
  std::map<std::string, uint32_t> setIds;
  for (const auto& set : table.sets) setIds.emplace(set.name, static_cast<uint32_t>(setIds.size()) + 1);
  for (const auto* made : {&recreated, &added})
    for (const nft::Set* set : *made) {
      addSet(w, *set, setIds.at(set->name));
      n.added += set->elements.size();
    }
  if (flush)
    for (const auto* chains : {&table.exemptChains, &table.chains})
      for (const auto& chain : *chains) addRules(w, chain, setIds);
  n.recreatedSets = recreated.size();
  n.addedSets = added.size();
  n.removedSets = removed.size();
  if (counts) *counts = n;
  return w.finish();
}

NftBatch buildDeleteBatch(uint32_t firstSeq) {
  BatchWriter w(firstSeq);
  addTableMessage(w, NFT_MSG_NEWTABLE, NLM_F_CREATE, "add");
  addTableMessage(w, NFT_MSG_DELTABLE, 0, "delete");
  return w.finish();
}

}  // namespace netpol::agent
