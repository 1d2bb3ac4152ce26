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

#include <cstring>
#include <functional>
#include <memory>

namespace netpol::agent {
namespace {

// nftables datatype ids (nftables' datatype.h), used to compose concatenated key types the way nft
// does, so that `nft list` prints the sets readably.
constexpr uint32_t kTypeIpv4 = 7, kTypeIpv6 = 8, kTypeInetProto = 12, kTypeInetService = 13, kTypeBits = 6;
// ct state bits (NF_CT_STATE_BIT): established = 1 << 1, related = 1 << 2.
constexpr uint32_t kCtEstablishedRelated = (1u << 1) | (1u << 2);
// Element chunks keep each message well under the socket's page size.
constexpr size_t kElementsPerMessage = 256;

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

void verdict(nftnl_rule* r, int code) {
  nftnl_expr* e = nftnl_expr_alloc("immediate");
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(code));
  addExpr(r, e);
}

void lookup(nftnl_rule* r, const std::string& set, uint32_t setId, uint32_t sreg) {
  nftnl_expr* e = nftnl_expr_alloc("lookup");
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
  nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.c_str());
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, setId);
  addExpr(r, e);
}

void nfproto(nftnl_rule* r, uint8_t proto) {
  meta(r, NFT_META_NFPROTO, NFT_REG_1);
  cmpU8(r, NFT_CMP_EQ, proto);
}

// --- sets ------------------------------------------------------------------------------------

struct SetSpec {
  std::string name;
  uint32_t id = 0;
  int family = 0;    // 0 IPv4, 1 IPv6
  bool ports = false;  // address . protocol . port
};

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

void setComment(nftnl_set_elem* e, const std::vector<std::string>& origins) {
  if (origins.empty()) return;
  std::string text;
  for (const auto& o : origins) text += (text.empty() ? "" : ", ") + o;
  text = nftQuotable(text, 128);
  nftnl_udata_buf* buf = nftnl_udata_buf_alloc(256);
  nftnl_udata_put_strz(buf, NFTNL_UDATA_SET_ELEM_COMMENT, text.c_str());
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(buf), nftnl_udata_buf_len(buf));
  nftnl_udata_buf_free(buf);
}

Set makeSet(const SetSpec& spec) {
  Set s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, spec.name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  nftnl_set_set_u32(s.get(), NFTNL_SET_ID, spec.id);
  uint32_t addrType = spec.family == 0 ? kTypeIpv4 : kTypeIpv6;
  if (spec.ports) {
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, NFT_SET_INTERVAL | NFT_SET_CONCAT);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, static_cast<uint32_t>(addrLen(spec.family) + 8));
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE,
                      (((addrType << kTypeBits) | kTypeInetProto) << kTypeBits) | kTypeInetService);
    uint8_t fields[NFT_REG32_COUNT] = {static_cast<uint8_t>(addrLen(spec.family)), 1, 2};
    nftnl_set_set_data(s.get(), NFTNL_SET_DESC_CONCAT, fields, 3);
  } else {
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, static_cast<uint32_t>(addrLen(spec.family)));
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, addrType);
  }
  return s;
}

void addSet(BatchWriter& w, const SetSpec& spec) {
  auto s = makeSet(spec);
  nlmsghdr* nlh = w.message(NFT_MSG_NEWSET, NLM_F_CREATE, "set " + spec.name);
  nftnl_set_nlmsg_build_payload(nlh, s.get());
  w.done();
}

// Elements go out in chunks; `fill` adds the elements of one chunk to the set object.
void addElementMessages(BatchWriter& w, const SetSpec& spec, size_t count,
                        const std::function<void(nftnl_set*, size_t)>& fill) {
  for (size_t start = 0; start < count; start += kElementsPerMessage) {
    auto s = makeSet(spec);
    size_t end = std::min(count, start + kElementsPerMessage);
    for (size_t i = start; i < end; ++i) fill(s.get(), i);
    nlmsghdr* nlh = w.message(NFT_MSG_NEWSETELEM, NLM_F_CREATE,
                              "elements " + std::to_string(start) + ".." + std::to_string(end - 1) + " of set " + spec.name);
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
    w.done();
  }
}

// A plain interval set (rbtree) takes each range as a start element and an end element one past the
// range flagged INTERVAL_END, as nft sends them; the normalised ranges never touch.
void addAddressElements(BatchWriter& w, const SetSpec& spec, const std::vector<AddressRange>& ranges,
                        const std::vector<std::vector<std::string>>& origins) {
  addElementMessages(w, spec, ranges.size(), [&](nftnl_set* s, size_t i) {
    auto start = addressBytes(ranges[i].first);
    nftnl_set_elem* e = nftnl_set_elem_alloc();
    nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, start.data(), static_cast<uint32_t>(start.size()));
    if (i < origins.size()) setComment(e, origins[i]);
    nftnl_set_elem_add(s, e);
    if (ranges[i].last == wholeFamily(ranges[i].family()).last) return;  // open end
    auto end = addressBytes(nextAddress(ranges[i].last));
    nftnl_set_elem* closing = nftnl_set_elem_alloc();
    nftnl_set_elem_set(closing, NFTNL_SET_ELEM_KEY, end.data(), static_cast<uint32_t>(end.size()));
    nftnl_set_elem_set_u32(closing, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
    nftnl_set_elem_add(s, closing);
  });
}

// A concatenated interval set (pipapo) takes one element with key (start) and key_end (end).
void addPortElements(BatchWriter& w, const SetSpec& spec, const std::vector<PortElement>& elements) {
  addElementMessages(w, spec, elements.size(), [&](nftnl_set* s, size_t i) {
    const auto& el = elements[i];
    auto key = concatKey(el.address.first, el.protocol, el.firstPort);
    auto keyEnd = concatKey(el.address.last, el.protocol, el.lastPort);
    nftnl_set_elem* e = nftnl_set_elem_alloc();
    nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key.data(), static_cast<uint32_t>(key.size()));
    nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, keyEnd.data(), static_cast<uint32_t>(keyEnd.size()));
    setComment(e, el.origins);
    nftnl_set_elem_add(s, e);
  });
}

// --- chains and rules ------------------------------------------------------------------------

void addChain(BatchWriter& w, const char* name, uint32_t hook) {
  Chain c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name);
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, hook);
  nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, 0);  // priority filter
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  nlmsghdr* nlh = w.message(NFT_MSG_NEWCHAIN, NLM_F_CREATE, std::string("chain ") + name);
  nftnl_chain_nlmsg_build_payload(nlh, c.get());
  w.done();
}

class ChainRules {
 public:
  ChainRules(BatchWriter& w, const char* chain) : w_(w), chain_(chain) {}

  template <typename Build>
  void add(const std::string& description, Build build) {
    Rule r(nftnl_rule_alloc());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
    nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain_);
    nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
    build(r.get());
    nlmsghdr* nlh = w_.message(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
                               std::string("rule #") + std::to_string(++count_) + " of chain " + chain_ + " (" + description + ")");
    nftnl_rule_nlmsg_build_payload(nlh, r.get());
    w_.done();
  }

 private:
  BatchWriter& w_;
  const char* chain_;
  int count_ = 0;
};

const char* direction(bool ingress) { return ingress ? "ingress" : "egress"; }

void addDirection(BatchWriter& w, const Ruleset& rs, const DirectionRules& rules, bool ingress,
                  const RenderOptions& options, uint32_t& nextSetId) {
  const char* chain = ingress ? "input" : "output";
  SetSpec any[2], ports[2], node[2];
  if (rules.isolated()) {
    // Sets in the order render_nft.cpp declares them, so that both list the same in the kernel.
    for (int f = 0; f < 2 && ingress; ++f) {
      node[f] = {std::string("node_") + (f == 0 ? "v4" : "v6"), nextSetId++, f, false};
      addSet(w, node[f]);
      addAddressElements(w, node[f], rs.nodeAddresses[f], {});
    }
    for (int f = 0; f < 2; ++f) {
      std::string base = std::string(direction(ingress)) + (f == 0 ? "_v4" : "_v6");
      any[f] = {base + "_any", nextSetId++, f, false};
      addSet(w, any[f]);
      std::vector<AddressRange> ranges;
      std::vector<std::vector<std::string>> origins;
      for (const auto& e : rules.anyPort[f]) {
        ranges.push_back(e.address);
        origins.push_back(e.origins);
      }
      addAddressElements(w, any[f], ranges, origins);
      ports[f] = {base + "_ports", nextSetId++, f, true};
      addSet(w, ports[f]);
      addPortElements(w, ports[f], rules.ports[f]);
    }
  }
  // A direction no policy isolates gets no chain at all (render_nft.cpp says why).
  if (!rules.isolated()) return;
  addChain(w, chain, ingress ? NF_INET_LOCAL_IN : NF_INET_LOCAL_OUT);
  ChainRules r(w, chain);
  r.add("ct state established,related accept", [](nftnl_rule* rule) {
    nftnl_expr* ct = nftnl_expr_alloc("ct");
    nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
    nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
    addExpr(rule, ct);
    nftnl_expr* bits = nftnl_expr_alloc("bitwise");
    uint32_t mask = kCtEstablishedRelated, zero = 0;
    nftnl_expr_set_u32(bits, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(bits, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
    nftnl_expr_set_u32(bits, NFTNL_EXPR_BITWISE_LEN, sizeof mask);
    nftnl_expr_set(bits, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof mask);
    nftnl_expr_set(bits, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof zero);
    addExpr(rule, bits);
    cmp(rule, NFT_CMP_NEQ, &zero, sizeof zero);
    verdict(rule, NF_ACCEPT);
  });
  // Peer address: source for ingress, destination for egress (IPv4 offset 12/16, IPv6 8/24).
  auto peerOffset = [ingress](int f) -> uint32_t { return f == 0 ? (ingress ? 12 : 16) : (ingress ? 8 : 24); };
  // The policies' peers first, in the order render_nft.cpp prints them.
  for (int f = 0; f < 2; ++f) {
    r.add("@" + ports[f].name + " accept", [&, f](nftnl_rule* rule) {
      nfproto(rule, f == 0 ? NFPROTO_IPV4 : NFPROTO_IPV6);
      // Concatenation in consecutive 32-bit registers: address, l4proto, destination port.
      uint32_t reg = NFT_REG32_00;
      payload(rule, NFT_PAYLOAD_NETWORK_HEADER, peerOffset(f), static_cast<uint32_t>(addrLen(f)), reg);
      uint32_t protoReg = reg + static_cast<uint32_t>(addrLen(f) / 4);
      meta(rule, NFT_META_L4PROTO, protoReg);
      payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, protoReg + 1);
      lookup(rule, ports[f].name, ports[f].id, reg);
      verdict(rule, NF_ACCEPT);
    });
    r.add("@" + any[f].name + " accept", [&, f](nftnl_rule* rule) {
      nfproto(rule, f == 0 ? NFPROTO_IPV4 : NFPROTO_IPV6);
      payload(rule, NFT_PAYLOAD_NETWORK_HEADER, peerOffset(f), static_cast<uint32_t>(addrLen(f)), NFT_REG_1);
      lookup(rule, any[f].name, any[f].id, NFT_REG_1);
      verdict(rule, NF_ACCEPT);
    });
  }
  for (int f = 0; f < 2 && ingress; ++f)
    r.add("saddr @" + node[f].name + " accept", [&, f](nftnl_rule* rule) {
      nfproto(rule, f == 0 ? NFPROTO_IPV4 : NFPROTO_IPV6);
      payload(rule, NFT_PAYLOAD_NETWORK_HEADER, peerOffset(f), static_cast<uint32_t>(addrLen(f)), NFT_REG_1);
      lookup(rule, node[f].name, node[f].id, NFT_REG_1);
      verdict(rule, NF_ACCEPT);
    });
  r.add(std::string(ingress ? "iifname" : "oifname") + " lo accept", [ingress](nftnl_rule* rule) {
    meta(rule, ingress ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1);
    char name[16] = "lo";
    cmp(rule, NFT_CMP_EQ, name, sizeof name);
    verdict(rule, NF_ACCEPT);
  });
  auto icmpv6Types = [](uint8_t first, uint8_t last) {
    return [first, last](nftnl_rule* rule) {
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
      verdict(rule, NF_ACCEPT);
    };
  };
  r.add("icmpv6 type 133-137 accept", icmpv6Types(133, 137));
  if (!ingress) r.add("icmpv6 type 143 accept", icmpv6Types(143, 143));
  std::string counter = std::string(direction(ingress)) + "_denied";
  r.add("counter " + counter + " drop", [&](nftnl_rule* rule) {
    nftnl_expr* ref = nftnl_expr_alloc("objref");
    nftnl_expr_set_u32(ref, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
    nftnl_expr_set_str(ref, NFTNL_EXPR_OBJREF_IMM_NAME, counter.c_str());
    addExpr(rule, ref);
    if (options.nflogGroup) {
      nftnl_expr* log = nftnl_expr_alloc("log");
      std::string prefix = nftQuotable("kguard " + rs.pod + " " + direction(ingress) + " denied: ", 127);
      nftnl_expr_set_str(log, NFTNL_EXPR_LOG_PREFIX, prefix.c_str());
      nftnl_expr_set_u16(log, NFTNL_EXPR_LOG_GROUP, static_cast<uint16_t>(*options.nflogGroup));
      addExpr(rule, log);
    }
    verdict(rule, NF_DROP);
  });
}

void addCounter(BatchWriter& w, const std::string& name) {
  Obj o(nftnl_obj_alloc());
  nftnl_obj_set_str(o.get(), NFTNL_OBJ_TABLE, kTableName);
  nftnl_obj_set_str(o.get(), NFTNL_OBJ_NAME, name.c_str());
  nftnl_obj_set_u32(o.get(), NFTNL_OBJ_FAMILY, NFPROTO_INET);
  nftnl_obj_set_u32(o.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
  nlmsghdr* nlh = w.message(NFT_MSG_NEWOBJ, NLM_F_CREATE, "counter " + name);
  nftnl_obj_nlmsg_build_payload(nlh, o.get());
  w.done();
}

}  // namespace

std::string NftBatch::objectOf(uint32_t seq) const {
  if (seq >= firstSeq && seq - firstSeq < objects.size()) return objects[seq - firstSeq];
  return "message #" + std::to_string(seq);
}

NftBatch buildReplaceBatch(const Ruleset& ruleset, const RenderOptions& options, uint32_t firstSeq) {
  BatchWriter w(firstSeq);
  // add + delete + add: the old table (if any) goes, a fresh one comes, all in one transaction.
  addTableMessage(w, NFT_MSG_NEWTABLE, NLM_F_CREATE, "add");
  addTableMessage(w, NFT_MSG_DELTABLE, 0, "delete");
  addTableMessage(w, NFT_MSG_NEWTABLE, NLM_F_CREATE, "add");
  addCounter(w, "ingress_denied");
  addCounter(w, "egress_denied");
  uint32_t nextSetId = 1;
  addDirection(w, ruleset, ruleset.ingress, true, options, nextSetId);
  addDirection(w, ruleset, ruleset.egress, false, options, nextSetId);
  return w.finish();
}

NftBatch buildDeleteBatch(uint32_t firstSeq) {
  BatchWriter w(firstSeq);
  addTableMessage(w, NFT_MSG_NEWTABLE, NLM_F_CREATE, "add");
  addTableMessage(w, NFT_MSG_DELTABLE, 0, "delete");
  return w.finish();
}

}  // namespace netpol::agent
