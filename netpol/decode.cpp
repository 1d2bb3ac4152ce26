#include "netpol/decode.h"

#include <algorithm>
#include <map>

#include "kube/json_reader.h"
#include "kube/namespace_object.h"
#include "netpol/cluster_policy_decode.h"

namespace netpol {
namespace {

using kube::JsonReader;

const char* kDefaultNamespace = "default";
// The API server sets this label on every Namespace (immutable since v1.22); selectors rely on it.
const char* kNamespaceNameLabel = "kubernetes.io/metadata.name";

std::string apiGroup(const std::string& apiVersion) {
  auto slash = apiVersion.find('/');
  return slash == std::string::npos ? "" : apiVersion.substr(0, slash);
}

Cidr decodeCidr(const JsonReader& r) {
  if (!r.value().is_string()) r.fail("expected a CIDR string");
  auto cidr = parseCidr(r.value().get<std::string>());
  if (!cidr) r.fail("not a CIDR: \"" + r.value().get<std::string>() + "\"");
  return *cidr;
}

// IANA_SVC_NAME, as validation.IsValidPortName: 1-15 chars of [a-z0-9-], at least one letter, no
// leading/trailing or double hyphen.
bool isValidPortName(const std::string& name) {
  if (name.empty() || name.size() > 15) return false;
  if (name.front() == '-' || name.back() == '-' || name.find("--") != std::string::npos) return false;
  bool letter = false;
  for (char c : name) {
    if (c >= 'a' && c <= 'z') letter = true;
    else if (!(c >= '0' && c <= '9') && c != '-') return false;
  }
  return letter;
}

// Where field errors go: thrown at the first (compiler, agent, audit), or each collected and the decoding
// carried on with the next field, as the API server's validation returns a field.ErrorList (lint).
class FieldErrors {
 public:
  explicit FieldErrors(std::vector<kube::DecodeError>* collected) : collected_(collected) {}
  // Whether `check` passed (it throws kube::DecodeError when not collecting).
  template <typename Check>
  bool check(Check&& check) const {
    if (!collected_) {
      check();
      return true;
    }
    try {
      check();
      return true;
    } catch (const kube::DecodeError& e) {
      collected_->push_back(e);
      return false;
    }
  }

 private:
  std::vector<kube::DecodeError>* collected_;
};

void decodePortProtocol(const JsonReader& r, PolicyPort& p) {
  if (auto proto = r.optString("protocol")) {
    auto parsed = parseProtocol(*proto);
    // The API accepts exactly "TCP", "UDP", "SCTP".
    if (!parsed || *proto != protocolName(*parsed))
      r.field("protocol")->fail("unsupported protocol \"" + *proto + "\" (expected TCP, UDP or SCTP)");
    p.protocol = *parsed;
  }
}

void decodePortNumbers(const JsonReader& r, PolicyPort& p) {
  if (auto port = r.field("port")) {
    if (port->value().is_string()) {
      auto name = port->value().get<std::string>();
      if (!isValidPortName(name)) port->fail("invalid port name \"" + name + "\"");
      p.name = name;
    } else {
      auto n = r.optInt("port");
      if (*n < 1 || *n > 65535) port->fail("port must be between 1 and 65535, got " + std::to_string(*n));
      p.number = static_cast<int32_t>(*n);
    }
  }
  if (auto end = r.optInt("endPort")) {
    auto field = r.field("endPort");
    if (!p.number) field->fail("endPort requires a numeric port");
    if (*end < *p.number || *end > 65535) field->fail("endPort must be between port and 65535");
    p.endPort = static_cast<int32_t>(*end);
  }
}

// ValidateNetworkPolicyPort: the protocol and the port are judged apart.
PolicyPort decodePolicyPort(const JsonReader& r, const FieldErrors& errors) {
  errors.check([&] { r.expectKnownFields({"protocol", "port", "endPort"}); });
  PolicyPort p;
  errors.check([&] { decodePortProtocol(r, p); });
  errors.check([&] { decodePortNumbers(r, p); });
  return p;
}

// ValidateIPBlock: the cidr and each except are judged apart.
IPBlock decodeIpBlock(const JsonReader& b, const FieldErrors& errors) {
  IPBlock block;
  errors.check([&] { b.expectKnownFields({"cidr", "except"}); });
  errors.check([&] {
    auto cidr = b.field("cidr");
    if (!cidr) b.fail("cidr: must be set");
    block.cidrText = cidr->value().is_string() ? cidr->value().get<std::string>() : "";
    block.cidr = decodeCidr(*cidr);
  });
  errors.check([&] {
    b.forEach("except", [&](const JsonReader& e) { errors.check([&] { block.except.push_back(decodeCidr(e)); }); });
  });
  return block;
}

Peer decodePeer(const JsonReader& r, const FieldErrors& errors) {
  errors.check([&] { r.expectKnownFields({"podSelector", "namespaceSelector", "ipBlock"}); });
  Peer peer;
  bool decoded = errors.check([&] {
    if (auto s = r.field("podSelector")) peer.podSelector = kube::decodeLabelSelector(s->value(), s->path());
  });
  decoded &= errors.check([&] {
    if (auto s = r.field("namespaceSelector")) peer.namespaceSelector = kube::decodeLabelSelector(s->value(), s->path());
  });
  decoded &= errors.check([&] {
    if (auto b = r.field("ipBlock")) {
      b->expectObject();
      peer.ipBlock = decodeIpBlock(*b, errors);
    }
  });
  if (!decoded) return peer;  // which of them the peer holds is not known
  // ValidateNetworkPolicyPeer: exactly one of podSelector/namespaceSelector (which may be combined)
  // or ipBlock.
  errors.check([&] {
    bool selectors = peer.podSelector || peer.namespaceSelector;
    if (selectors && peer.ipBlock) r.fail("ipBlock may not be combined with podSelector or namespaceSelector");
    if (!selectors && !peer.ipBlock) r.fail("must specify a peer (podSelector, namespaceSelector or ipBlock)");
  });
  return peer;
}

// ValidateNetworkPolicySpec's loop over ingress (egress) rules, each peer and port judged apart.
std::vector<Rule> decodeRules(const JsonReader& spec, const char* field, const char* peersField, const FieldErrors& errors) {
  std::vector<Rule> rules;
  errors.check([&] {
    spec.forEach(field, [&](const JsonReader& r) {
      Rule rule;
      errors.check([&] {
        // Strict, as kubectl's field validation: `form:` read as no peers would allow every source.
        r.expectKnownFields({peersField, "ports"});
      });
      errors.check([&] {
        r.forEach(peersField, [&](const JsonReader& p) { rule.peers.push_back(decodePeer(p, errors)); });
      });
      errors.check([&] {
        r.forEach("ports", [&](const JsonReader& p) { rule.ports.push_back(decodePolicyPort(p, errors)); });
      });
      rules.push_back(std::move(rule));
    });
  });
  return rules;
}

// The first ipBlock except of `rules` that is not a strict subset of its cidr, as a DecodeError naming
// the policy.
void refuseExceptsOutsideCidr(const NetworkPolicy& np, const std::vector<Rule>& rules, const char* field,
                              const char* peersField) {
  for (size_t i = 0; i < rules.size(); ++i)
    for (size_t j = 0; j < rules[i].peers.size(); ++j) {
      const auto& block = rules[i].peers[j].ipBlock;
      if (!block) continue;
      for (size_t k = 0; k < block->except.size(); ++k) {
        const Cidr& e = block->except[k];
        if (e.strictlyInside(block->cidr)) continue;
        throw kube::DecodeError("spec." + std::string(field) + "[" + std::to_string(i) + "]." + peersField + "[" +
                                    std::to_string(j) + "].ipBlock.except[" + std::to_string(k) + "]",
                                "NetworkPolicy " + np.namespace_ + "/" + np.name + ": except " + e.str() +
                                    " must be a strict subset of cidr " + block->cidr.str() +
                                    " (the API server refuses the policy)");
      }
    }
}

std::string namespaceOf(const kube::Manifest& m) {
  auto ns = m.namespace_();
  return ns.empty() ? kDefaultNamespace : ns;
}

// From the Namespace the manifest decoded when it was read.
Namespace decodeNamespace(const kube::Manifest& m) {
  const kube::NamespaceObject* meta = m.namespaceObject().get();
  if (!meta || meta->name.empty()) throw kube::DecodeError("metadata.name", "must be set");
  Namespace ns{meta->name, meta->labels};
  ns.labels[kNamespaceNameLabel] = meta->name;
  return ns;
}

// An address the typed object kept as written, parsed; `path` names its field when it is none.
IpAddress parseAddress(const std::string& text, const std::string& path) {
  auto ip = parseIp(text);
  if (!ip) throw kube::DecodeError(path, "not an IP address: \"" + text + "\"");
  return *ip;
}

// podIP and podIPs (or hostIP and hostIPs) as one list without repeats. When both are set, the list's
// first entry must be the single field's address: the API server keeps the single field and drops the
// list otherwise (v1 -> internal conversion of PodStatus: "PodIP is authoritative", likewise HostIP), so
// a cluster never holds such a pod; kguard refuses it rather than guess which of the two was meant.
std::vector<IpAddress> statusIps(const std::optional<kube::StatusAddress>& single,
                                 const std::vector<kube::StatusAddress>& list) {
  std::vector<IpAddress> ips;
  auto add = [&ips](const IpAddress& ip) {
    if (std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.push_back(ip);
  };
  if (single) add(parseAddress(single->ip, single->path));
  for (const auto& a : list) {
    const IpAddress ip = parseAddress(a.ip, a.path);
    if (single && &a == &list.front() && ip != ips.front())
      throw kube::DecodeError(a.path, "must be the same address as " + single->path + " (\"" + single->ip +
                                          "\") when both are set, got \"" + a.ip + "\"");
    add(ip);
  }
  return ips;
}

// The named ports a NetworkPolicy or ClusterNetworkPolicy port name resolves against, in the order
// Kubernetes looks them up (FindPort, pkg/api/v1/pod/util.go): the containers' ports, then those of
// sidecars (init containers with restartPolicy: Always). A plain init container has exited before the
// pod serves, and ephemeral containers may not declare ports; neither's names count, so a name reused
// there does not shadow the container's port.
std::vector<NamedPort> namedContainerPorts(const kube::PodSpec& spec) {
  std::vector<NamedPort> out;
  auto add = [&out](const kube::Container& c) {
    for (const auto& port : c.ports)
      if (!port.name.empty())
        if (auto protocol = parseProtocol(port.protocol.empty() ? "TCP" : port.protocol))
          out.push_back({port.name, port.containerPort, *protocol});
  };
  for (const auto& c : spec.containers) add(c);
  for (const auto& c : spec.initContainers)
    if (c.restartsAlways) add(c);
  return out;
}

Pod decodePod(const kube::Manifest& m) {
  const kube::PodTemplate* typed = m.pod().get();
  Pod pod;
  pod.namespace_ = namespaceOf(m);
  pod.name = m.name();
  if (pod.name.empty()) throw kube::DecodeError("metadata.name", "must be set");
  if (typed) {
    pod.labels = typed->metadata.labels;
    pod.nodeName = typed->spec.nodeName;
    pod.hostNetwork = typed->spec.hostNetwork;
    pod.ports = namedContainerPorts(typed->spec);
  }
  if (const kube::PodStatus* status = m.pod().status()) {
    pod.ips = statusIps(status->podIP, status->podIPs);
    pod.hostIPs = statusIps(status->hostIP, status->hostIPs);
    pod.terminated = status->phase == "Succeeded" || status->phase == "Failed";
  }
  return pod;
}

// From the Node the manifest decoded when it was read: its InternalIP and ExternalIP addresses.
Node decodeNode(const kube::Manifest& m) {
  Node node;
  node.name = m.name();
  const kube::NodeObject* typed = m.node().get();
  if (!typed) return node;
  node.labels = typed->labels;
  for (const auto& a : typed->addresses) {
    if (a.type != "InternalIP" && a.type != "ExternalIP") continue;  // Hostname, InternalDNS, ...
    node.addresses.push_back(parseAddress(a.address, a.path));
  }
  return node;
}

// Keeps the last object per key, at the position of the first.
template <typename T>
void upsert(std::vector<T>& items, std::map<std::string, size_t>& index, const std::string& key, T value) {
  auto it = index.find(key);
  if (it == index.end()) {
    index[key] = items.size();
    items.push_back(std::move(value));
  } else {
    items[it->second] = std::move(value);
  }
}

}  // namespace

// extensions/v1beta1 too, so that decoding refuses it by name: skipped as an unknown kind, the policy
// would be left out and everything it isolates would read as allowed.
bool isNetworkPolicy(const kube::Manifest& m) {
  auto group = apiGroup(m.apiVersion());
  return m.kind() == "NetworkPolicy" && (group == "networking.k8s.io" || group == "extensions");
}

NetworkPolicy decodeNetworkPolicy(const nlohmann::json& object, ExceptOutsideCidr excepts,
                                  std::vector<kube::DecodeError>* collected) {
  const FieldErrors errors(collected);
  JsonReader root(object, "");
  if (auto version = root.string("apiVersion"); version != "networking.k8s.io/v1")
    throw kube::DecodeError("apiVersion", "NetworkPolicy " + version + " is not served" +
                                              (version == "extensions/v1beta1" ? " (removed in Kubernetes 1.16)" : "") +
                                              ": use networking.k8s.io/v1");
  NetworkPolicy np;
  errors.check([&] {
    if (auto meta = root.field("metadata")) {
      meta->expectObject();
      np.name = meta->string("name");
      np.namespace_ = meta->string("namespace");
    }
    if (np.name.empty()) throw kube::DecodeError("metadata.name", "must be set");
  });
  if (np.namespace_.empty()) np.namespace_ = kDefaultNamespace;
  auto spec = root.field("spec");
  if (!spec) throw kube::DecodeError("spec", "must be set");
  spec->expectObject();
  errors.check([&] { spec->expectKnownFields({"podSelector", "ingress", "egress", "policyTypes"}); });
  np.canonicalSpec = spec->value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  errors.check([&] {
    if (auto s = spec->field("podSelector")) np.podSelector = kube::decodeLabelSelector(s->value(), s->path());
  });
  np.ingress = decodeRules(*spec, "ingress", "from", errors);
  np.egress = decodeRules(*spec, "egress", "to", errors);
  if (excepts == ExceptOutsideCidr::Refuse) {
    refuseExceptsOutsideCidr(np, np.ingress, "ingress", "from");
    refuseExceptsOutsideCidr(np, np.egress, "egress", "to");
  }
  std::vector<std::string> types;
  if (!errors.check([&] { types = spec->stringList("policyTypes"); })) return np;
  if (types.empty()) {
    // SetDefaults_NetworkPolicy: Ingress always; Egress only if there are egress rules, so
    // `egress: []` without policyTypes does not isolate egress.
    np.affectsIngress = true;
    np.affectsEgress = !np.egress.empty();
  } else {
    // ValidateNetworkPolicySpec: "may not specify more than two policyTypes" (repeats count), and then
    // nothing more of them; else each that is neither Ingress nor Egress.
    if (types.size() > 2) {
      errors.check([&] { spec->field("policyTypes")->fail("may not specify more than two policyTypes"); });
      return np;
    }
    np.affectsIngress = np.affectsEgress = false;
    for (size_t i = 0; i < types.size(); ++i) {
      if (types[i] == "Ingress") np.affectsIngress = true;
      else if (types[i] == "Egress") np.affectsEgress = true;
      else
        errors.check([&] {
          throw kube::DecodeError("spec.policyTypes[" + std::to_string(i) + "]",
                                  "unknown policy type \"" + types[i] + "\" (expected Ingress or Egress)");
        });
    }
  }
  return np;
}

Pod templatePod(const std::string& namespace_, const std::string& kind, const std::string& name,
                const kube::PodTemplate& pod) {
  Pod p;
  p.namespace_ = namespace_;
  p.name = kind + ":" + name;
  p.labels = pod.metadata.labels;
  p.hostNetwork = pod.spec.hostNetwork;
  p.ports = namedContainerPorts(pod.spec);
  return p;
}

std::optional<DecodedObject> decodeObject(const kube::Manifest& m) {
  try {
    const bool core = apiGroup(m.apiVersion()).empty();
    DecodedObject out;
    if (kube::isNamespace(m.object))
      out.namespace_ = decodeNamespace(m);
    else if (core && m.kind() == "Pod")
      out.pod = decodePod(m);
    else if (kube::isNode(m.object))
      out.node = decodeNode(m);
    else if (isNetworkPolicy(m))
      out.policy = decodeNetworkPolicy(m.object);
    else if (isClusterNetworkPolicy(m))
      out.clusterPolicy = decodeClusterNetworkPolicy(m.object);
    else if (isRetiredAdminPolicy(m))
      throw kube::DecodeError("kind", m.kind() + " (" + m.apiVersion() +
                                          ") is not supported: use policy.networking.k8s.io/v1alpha2 "
                                          "ClusterNetworkPolicy (tier Admin or Baseline)");
    else
      return std::nullopt;
    return out;
  } catch (const kube::DecodeError& e) {
    throw kube::InputError(m.errorAt(e.path(), e.problem()));
  }
}

Cluster assembleCluster(const std::vector<const DecodedObject*>& objects) {
  Cluster cluster;
  std::map<std::string, size_t> namespaceIndex, podIndex, policyIndex, nodeIndex, clusterPolicyIndex;
  for (size_t i = 0; i < objects.size(); ++i) {
    const DecodedObject& o = *objects[i];
    if (o.namespace_) {
      upsert(cluster.namespaces, namespaceIndex, o.namespace_->name, *o.namespace_);
    } else if (o.pod) {
      upsert(cluster.pods, podIndex, o.pod->id(), *o.pod);
    } else if (o.node) {
      upsert(cluster.nodes, nodeIndex, o.node->name, *o.node);
    } else if (o.policy) {
      NetworkPolicy np = *o.policy;
      np.manifestIndex = i;
      std::string id = np.id();  // before np is moved into the argument
      upsert(cluster.policies, policyIndex, id, std::move(np));
    } else if (o.clusterPolicy) {
      ClusterNetworkPolicy cnp = *o.clusterPolicy;
      cnp.manifestIndex = i;
      upsert(cluster.clusterPolicies, clusterPolicyIndex, cnp.name, cnp);
    }
  }
  for (const auto& pod : cluster.pods)
    if (!namespaceIndex.count(pod.namespace_))
      upsert(cluster.namespaces, namespaceIndex, pod.namespace_,
             Namespace{pod.namespace_, {{kNamespaceNameLabel, pod.namespace_}}});
  std::sort(cluster.pods.begin(), cluster.pods.end(),
            [](const Pod& a, const Pod& b) { return a.id() < b.id(); });  // NAMESPACE/NAME order, as printed
  std::sort(cluster.namespaces.begin(), cluster.namespaces.end(),
            [](const Namespace& a, const Namespace& b) { return a.name < b.name; });
  std::sort(cluster.clusterPolicies.begin(), cluster.clusterPolicies.end(), evaluatedBefore);
  return cluster;
}

Cluster decodeCluster(const std::vector<kube::Manifest>& manifests) {
  // manifestIndex counts every manifest (lint points back into the input), ignored kinds included.
  std::vector<DecodedObject> decoded(manifests.size());
  std::vector<const DecodedObject*> objects;
  for (size_t i = 0; i < manifests.size(); ++i) {
    if (auto o = decodeObject(manifests[i])) decoded[i] = std::move(*o);
    objects.push_back(&decoded[i]);
  }
  return assembleCluster(objects);
}

}  // namespace netpol
