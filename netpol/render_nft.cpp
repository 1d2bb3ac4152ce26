#include "netpol/render_nft.h"

#include <sstream>

namespace netpol {

const char* const kTableName = "kguard";

namespace {

std::string joinOrigins(const std::vector<std::string>& origins) {
  std::string out;
  for (const auto& o : origins) out += (out.empty() ? "" : ", ") + o;
  return out;
}

// The chain's comment names the isolating policies, but stays one readable line with many of them.
std::string isolatingPoliciesText(const std::vector<std::string>& policies) {
  const size_t shown = 10;
  if (policies.size() <= shown) return joinOrigins(policies);
  std::vector<std::string> first(policies.begin(), policies.begin() + shown);
  return joinOrigins(first) + " and " + std::to_string(policies.size() - shown) + " more";
}

std::string portText(int32_t first, int32_t last) {
  return first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

const char* addrType(int f) { return f == 0 ? "ipv4_addr" : "ipv6_addr"; }
const char* ipFamily(int f) { return f == 0 ? "ip" : "ip6"; }
const char* dirName(bool ingress) { return ingress ? "ingress" : "egress"; }

void writeSet(std::ostream& out, const std::string& name, const std::string& type,
              const std::vector<std::string>& elements) {
  out << "\tset " << name << " {\n\t\ttype " << type << "\n\t\tflags interval\n";
  if (!elements.empty()) {
    out << "\t\telements = {\n";
    for (size_t i = 0; i < elements.size(); ++i) out << "\t\t\t" << elements[i] << (i + 1 < elements.size() ? ",\n" : "\n");
    out << "\t\t}\n";
  }
  out << "\t}\n";
}

std::string element(const std::string& key, const std::vector<std::string>& origins) {
  if (origins.empty()) return key;
  return key + " comment \"" + nftQuotable(joinOrigins(origins), 128) + "\"";
}

void writeDirectionSets(std::ostream& out, const DirectionRules& rules, bool ingress) {
  if (!rules.isolated()) return;
  for (int f = 0; f < 2; ++f) {
    std::vector<std::string> any, ports;
    for (const auto& e : rules.anyPort[f]) any.push_back(element(e.address.str(), e.origins));
    for (const auto& e : rules.ports[f])
      ports.push_back(element(e.address.str() + " . " + nftProtocolName(e.protocol) + " . " +
                                  portText(e.firstPort, e.lastPort),
                              e.origins));
    std::string base = std::string(dirName(ingress)) + (f == 0 ? "_v4" : "_v6");
    writeSet(out, base + "_any", addrType(f), any);
    writeSet(out, base + "_ports", std::string(addrType(f)) + " . inet_proto . inet_service", ports);
  }
}

void writeChain(std::ostream& out, const Ruleset& rs, const DirectionRules& rules, bool ingress,
                const RenderOptions& options) {
  const char* dir = dirName(ingress);
  const char* chain = ingress ? "input" : "output";
  const char* peer = ingress ? "saddr" : "daddr";
  if (!rules.isolated()) {
    // No chain at all, not an empty one: a base chain costs every packet a hook call even when it
    // accepts everything (measured: ~3 % of a new connection's CPU, bench/netpol_agent/README.md).
    out << "\t# not isolated for " << dir << ": no NetworkPolicy selects " << rs.pod << " for " << dir << ", so no "
        << chain << " chain\n";
    return;
  }
  out << "\tchain " << chain << " {\n";
  out << "\t\ttype filter hook " << chain << " priority filter; policy accept;\n";
  out << "\t\t# isolated for " << dir << " by " << isolatingPoliciesText(rules.isolatingPolicies) << "\n";
  // Replies to allowed connections pass whatever the other side's policies say.
  out << "\t\tct state established,related accept\n";
  // The policies' peers next: they decide nearly every new connection. All rules here accept, so
  // their order changes only how soon a packet leaves the chain.
  for (int f = 0; f < 2; ++f) {
    std::string base = std::string(dir) + (f == 0 ? "_v4" : "_v6");
    out << "\t\t" << ipFamily(f) << " " << peer << " . meta l4proto . th dport @" << base << "_ports accept\n";
    out << "\t\t" << ipFamily(f) << " " << peer << " @" << base << "_any accept\n";
  }
  if (ingress)
    for (int f = 0; f < 2; ++f)
      out << "\t\t" << ipFamily(f) << " saddr @node_" << (f == 0 ? "v4" : "v6") << " accept\n";
  // Loopback is the pod talking to itself, not pod-network traffic.
  out << "\t\t" << (ingress ? "iifname" : "oifname") << " \"lo\" accept\n";
  // Isolation must not break IPv6 neighbour discovery (the IPv6 ARP): types 133-137 are router
  // solicitation/advertisement, neighbour solicitation/advertisement and redirect; 143 is the MLDv2
  // report a new address sends for its solicited-node group.
  out << "\t\tmeta nfproto ipv6 icmpv6 type 133-137 accept\n";
  if (!ingress) out << "\t\tmeta nfproto ipv6 icmpv6 type 143 accept\n";
  out << "\t\tcounter name \"" << dir << "_denied\"";
  if (options.nflogGroup)
    out << " log prefix \"" << nftQuotable("kguard " + rs.pod + " " + dir + " denied: ", 127) << "\" group "
        << *options.nflogGroup;
  out << " drop\n\t}\n";
}

}  // namespace

std::string nftQuotable(const std::string& text, size_t maxBytes) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') ? '_' : c;
  }
  if (out.size() > maxBytes - 1) out = out.substr(0, maxBytes - 4) + "...";
  return out;
}

std::string renderNft(const Ruleset& rs, const RenderOptions& options) {
  std::ostringstream out;
  out << "# kguard NetworkPolicy ruleset for pod " << rs.pod;
  for (size_t i = 0; i < rs.podIps.size(); ++i) out << (i ? ", " : " (") << rs.podIps[i].str() << (i + 1 == rs.podIps.size() ? ")" : "");
  out << "\n# Replaces table inet " << kTableName << " in one transaction; other tables are untouched.\n";
  out << "table inet " << kTableName << "\ndelete table inet " << kTableName << "\n";
  out << "table inet " << kTableName << " {\n";
  out << "\tcounter ingress_denied {\n\t}\n\tcounter egress_denied {\n\t}\n";
  if (rs.ingress.isolated())
    for (int f = 0; f < 2; ++f) {
      // Ingress from the pod's own node is always allowed (kubelet probes).
      std::vector<std::string> node;
      for (const auto& r : rs.nodeAddresses[f]) node.push_back(r.str());
      writeSet(out, std::string("node_") + (f == 0 ? "v4" : "v6"), addrType(f), node);
    }
  writeDirectionSets(out, rs.ingress, true);
  writeDirectionSets(out, rs.egress, false);
  writeChain(out, rs, rs.ingress, true, options);
  writeChain(out, rs, rs.egress, false, options);
  out << "}\n";
  return out.str();
}

size_t ruleCountOfRendered(const std::string& text) {
  // Rule lines are the chain bodies' lines other than the hook line and comments.
  size_t rules = 0;
  bool inChain = false;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("\tchain ", 0) == 0) inChain = true;
    else if (line == "\t}") inChain = false;
    else if (inChain && line.rfind("\t\t#", 0) != 0 && line.rfind("\t\ttype ", 0) != 0) ++rules;
  }
  return rules;
}

size_t ruleCount(const Ruleset& rs, const RenderOptions& options) { return ruleCountOfRendered(renderNft(rs, options)); }

}  // namespace netpol
