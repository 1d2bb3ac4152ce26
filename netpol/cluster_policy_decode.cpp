#include "netpol/cluster_policy_decode.h"

#include <algorithm>
#include <set>

#include "kube/json_reader.h"

namespace netpol {
namespace {

using kube::JsonReader;

const char* kGroup = "policy.networking.k8s.io";
const char* kVersion = "policy.networking.k8s.io/v1alpha2";
constexpr size_t kMaxItems = 25;  // rules per direction, peers per rule, CIDRs, protocols (maxItems)

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The fields an object may have; the v1alpha1 names get a hint, since they are the likely mistake.
void expectFields(const JsonReader& r, const std::vector<std::string>& known) {
  r.expectObject();
  auto unknown = [&](const char* key) {
    return r.value().contains(key) && std::find(known.begin(), known.end(), key) == known.end();
  };
  auto child = [&](const char* key) { return JsonReader(r.value().at(key), r.path().empty() ? key : r.path() + "." + key); };
  if (unknown("ports"))
    child("ports").fail("unknown field \"ports\" (v1alpha1 AdminNetworkPolicy field; v1alpha2 uses `protocols`); "
                        "expected one of: " + join(known));
  // An experimental-channel field, not a typo: say so rather than call it unknown.
  if (unknown("domainNames"))
    child("domainNames").fail("domainNames peers are not supported by kguard (DNS-based peers cannot be evaluated "
                              "offline); expected one of: " + join(known));
  r.expectKnownFields(known);
}

// minProperties: 1, maxProperties: 1 — the CRD's "exactly one of" on subject, peers and protocols.
// The API server prunes null values of non-nullable fields before validating (CRD "Defaulting and
// Nullable"), so `{pods: {...}, namespaces: null}` counts one field and `{namespaces: null}` none.
std::string exactlyOne(const JsonReader& r, const std::vector<std::string>& known) {
  expectFields(r, known);
  std::vector<std::string> set, null;
  for (const auto& key : r.keys()) (r.value()[key].is_null() ? null : set).push_back(key);
  if (set.size() == 1) return set[0];
  std::string nulls = null.empty() ? "" : " (" + join(null) + ": null counts as unset)";
  r.fail("exactly one of " + join(known) + " must be set, got " + std::to_string(set.size()) + nulls);
}

void checkCount(const JsonReader& list, size_t min, size_t max) {
  if (!list.value().is_array()) list.fail("expected a list");
  size_t n = list.value().size();
  if (n < min) list.fail("must have at least " + std::to_string(min) + " item" + (min == 1 ? "" : "s"));
  if (n > max) list.fail("must have at most " + std::to_string(max) + " items, got " + std::to_string(n));
}

// ::ffff:a.b.c.d. The API server's CEL isCIDR (apiserver/pkg/cel/library/cidr.go, parseCIDR) refuses such
// an address, though the text is a valid prefix.
bool isV4MappedV6(const std::string& address) {
  auto ip = parseIp(address);
  return ip && ip->family == Family::V6 && ip->hi == 0 && (ip->lo >> 32) == 0xffff;
}

int32_t port(const JsonReader& r) {
  auto n = r.asInt();
  if (n < 1 || n > 65535) r.fail("must be between 1 and 65535, got " + std::to_string(n));
  return static_cast<int32_t>(n);
}

kube::LabelSelector selector(const JsonReader& r) { return kube::decodeLabelSelector(r.value(), r.path()); }

CnpPodsSelector podsSelector(const JsonReader& r) {
  expectFields(r, {"namespaceSelector", "podSelector"});
  CnpPodsSelector s;
  auto pods = r.field("podSelector");
  if (!pods) r.fail("podSelector: must be set");
  s.podSelector = selector(*pods);
  if (auto ns = r.field("namespaceSelector")) s.namespaceSelector = selector(*ns);
  return s;
}

CnpProtocol decodeProtocol(const JsonReader& r) {
  CnpProtocol p;
  auto key = exactlyOne(r, {"tcp", "udp", "sctp", "destinationNamedPort"});
  auto value = *r.field(key.c_str());
  if (key == "destinationNamedPort") {
    p.namedPort = value.asString();
    return p;
  }
  p.protocol = parseProtocol(key);
  // tcp/udp/sctp: minProperties 1 with destinationPort its only field, so the port is required.
  expectFields(value, {"destinationPort"});
  auto dport = value.field("destinationPort");
  if (!dport) value.fail("destinationPort: must be set (use range {start: 1, end: 65535} for every port)");
  if (exactlyOne(*dport, {"number", "range"}) == "number") {
    p.first = p.last = port(*dport->field("number"));
    return p;
  }
  auto range = *dport->field("range");
  expectFields(range, {"start", "end"});
  auto start = range.field("start"), end = range.field("end");
  if (!start) range.fail("start: must be set");
  if (!end) range.fail("end: must be set");
  p.first = port(*start);
  p.last = port(*end);
  if (p.first >= p.last) range.fail("Start port must be less than End port (CEL: self.start < self.end)");
  return p;
}

std::vector<Cidr> decodeNetworks(const JsonReader& r) {
  checkCount(r, 1, kMaxItems);
  std::vector<Cidr> out;
  std::set<std::string> seen;
  r.forEachItem([&](const JsonReader& item) {
    auto text = item.asString();
    if (text.size() > 43) item.fail("must be at most 43 characters");
    auto cidr = parseCidr(text);
    if (!cidr) item.fail("Invalid CIDR format provided (CEL: isCIDR(self)): \"" + text + "\"");
    if (isV4MappedV6(text.substr(0, text.find('/'))))
      item.fail("Invalid CIDR format provided (CEL: isCIDR(self)): \"" + text +
                "\": an IPv4-mapped IPv6 address is not allowed (write the IPv4 CIDR)");
    if (!seen.insert(text).second) item.fail("duplicate value \"" + text + "\" (networks is a set)");
    out.push_back(*cidr);
  });
  return out;
}

CnpPeer decodePeer(const JsonReader& r, bool egress) {
  std::vector<std::string> known = {"namespaces", "pods"};
  if (egress) known.insert(known.end(), {"networks", "nodes"});
  CnpPeer peer;
  auto key = exactlyOne(r, known);
  auto value = *r.field(key.c_str());
  if (key == "namespaces") {
    peer.kind = CnpPeer::Kind::Namespaces;
    peer.selector = selector(value);
  } else if (key == "pods") {
    peer.kind = CnpPeer::Kind::Pods;
    peer.pods = podsSelector(value);
  } else if (key == "nodes") {
    peer.kind = CnpPeer::Kind::Nodes;
    peer.selector = selector(value);
  } else {
    peer.kind = CnpPeer::Kind::Networks;
    peer.networks = decodeNetworks(value);
  }
  return peer;
}

CnpAction decodeAction(const JsonReader& r) {
  auto text = r.asString();
  if (text == "Accept") return CnpAction::Accept;
  if (text == "Deny") return CnpAction::Deny;
  if (text == "Pass") return CnpAction::Pass;
  std::string hint = text == "Allow" ? " (v1alpha1 spelling; v1alpha2 renamed it Accept)" : "";
  r.fail("unsupported value \"" + text + "\"" + hint + ": expected Accept, Deny or Pass");
}

CnpRule decodeRule(const JsonReader& r, bool egress) {
  const char* peersField = egress ? "to" : "from";
  expectFields(r, {"name", "action", peersField, "protocols"});
  CnpRule rule;
  rule.name = r.string("name");
  if (rule.name.size() > 100) r.field("name")->fail("must be at most 100 characters");
  auto action = r.field("action");
  if (!action) r.fail("action: must be set (Accept, Deny or Pass)");
  rule.action = decodeAction(*action);
  auto peers = r.field(peersField);
  if (!peers) r.fail(std::string(peersField) + ": must be set");
  checkCount(*peers, 1, kMaxItems);
  peers->forEachItem([&](const JsonReader& p) { rule.peers.push_back(decodePeer(p, egress)); });
  if (auto protocols = r.field("protocols")) {
    checkCount(*protocols, 1, kMaxItems);
    protocols->forEachItem([&](const JsonReader& p) { rule.protocols.push_back(decodeProtocol(p)); });
  }
  // Experimental CRD, CEL on the egress rule: nodes and networks have no named ports.
  bool namedPort = std::any_of(rule.protocols.begin(), rule.protocols.end(),
                               [](const CnpProtocol& p) { return p.namedPort.has_value(); });
  bool addressPeer = std::any_of(rule.peers.begin(), rule.peers.end(), [](const CnpPeer& p) {
    return p.kind == CnpPeer::Kind::Nodes || p.kind == CnpPeer::Kind::Networks;
  });
  if (namedPort && addressPeer)
    r.fail("networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for "
           "networks/nodes/domainNames");
  return rule;
}

std::vector<CnpRule> decodeRules(const JsonReader& spec, const char* field, bool egress) {
  std::vector<CnpRule> rules;
  auto list = spec.field(field);
  if (!list) return rules;
  checkCount(*list, 0, kMaxItems);
  list->forEachItem([&](const JsonReader& r) { rules.push_back(decodeRule(r, egress)); });
  return rules;
}

CnpSubject decodeSubject(const JsonReader& r) {
  CnpSubject s;
  if (exactlyOne(r, {"namespaces", "pods"}) == "namespaces")
    s.namespaces = selector(*r.field("namespaces"));
  else
    s.pods = podsSelector(*r.field("pods"));
  return s;
}

}  // namespace

const char* tierName(Tier t) { return t == Tier::Admin ? "Admin" : "Baseline"; }

const char* actionName(CnpAction a) {
  switch (a) {
    case CnpAction::Accept: return "Accept";
    case CnpAction::Deny: return "Deny";
    case CnpAction::Pass: return "Pass";
  }
  return "Deny";
}

bool evaluatedBefore(const ClusterNetworkPolicy& a, const ClusterNetworkPolicy& b) {
  if (a.tier != b.tier) return a.tier == Tier::Admin;
  if (a.priority != b.priority) return a.priority < b.priority;
  return a.name < b.name;
}

bool isClusterNetworkPolicy(const kube::Manifest& m) {
  return m.kind() == "ClusterNetworkPolicy" && m.apiVersion().rfind(std::string(kGroup) + "/", 0) == 0;
}

bool isRetiredAdminPolicy(const kube::Manifest& m) {
  return (m.kind() == "AdminNetworkPolicy" || m.kind() == "BaselineAdminNetworkPolicy") &&
         m.apiVersion().rfind(std::string(kGroup) + "/", 0) == 0;
}

ClusterNetworkPolicy decodeClusterNetworkPolicy(const nlohmann::json& object) {
  JsonReader root(object, "");
  ClusterNetworkPolicy cnp;
  if (root.string("apiVersion") != kVersion)
    throw kube::DecodeError("apiVersion", "unsupported version \"" + root.string("apiVersion") + "\" (expected " +
                                              kVersion + ")");
  if (auto meta = root.field("metadata")) {
    meta->expectObject();
    cnp.name = meta->string("name");
  }
  if (cnp.name.empty()) throw kube::DecodeError("metadata.name", "must be set");
  auto spec = root.field("spec");
  if (!spec) throw kube::DecodeError("spec", "must be set");
  expectFields(*spec, {"tier", "priority", "subject", "ingress", "egress"});
  cnp.canonicalSpec = spec->value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto tier = spec->field("tier");
  if (!tier) spec->fail("tier: must be set (Admin or Baseline)");
  auto tierText = tier->asString();
  if (tierText == "Admin") cnp.tier = Tier::Admin;
  else if (tierText == "Baseline") cnp.tier = Tier::Baseline;
  else tier->fail("unsupported value \"" + tierText + "\": expected Admin or Baseline");
  auto priority = spec->field("priority");
  if (!priority) spec->fail("priority: must be set (0 to 1000)");
  auto p = priority->asInt();
  if (p < 0 || p > 1000) priority->fail("must be between 0 and 1000, got " + std::to_string(p));
  cnp.priority = static_cast<int32_t>(p);
  auto subject = spec->field("subject");
  if (!subject) spec->fail("subject: must be set (namespaces or pods)");
  cnp.subject = decodeSubject(*subject);
  cnp.ingress = decodeRules(*spec, "ingress", false);
  cnp.egress = decodeRules(*spec, "egress", true);
  return cnp;
}

}  // namespace netpol
