#include "netpol/render_nft.h"

#include <sstream>

namespace netpol {
namespace {

std::string portText(int32_t first, int32_t last) {
  return first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

const char* addrType(int f) { return f == 0 ? "ipv4_addr" : "ipv6_addr"; }

void writeSet(std::ostream& out, const nft::Set& set) {
  out << (set.verdictMap ? "\tmap " : "\tset ") << set.name << " {\n\t\ttype " << addrType(set.family)
      << (set.withPorts ? " . inet_proto . inet_service" : "") << (set.verdictMap ? " : verdict" : "")
      << "\n\t\tflags interval\n";
  if (!set.elements.empty()) {
    out << "\t\telements = {\n";
    for (size_t i = 0; i < set.elements.size(); ++i) {
      const auto& e = set.elements[i];
      out << "\t\t\t" << e.address.str();
      if (set.withPorts) out << " . " << nftProtocolName(e.protocol) << " . " << portText(e.firstPort, e.lastPort);
      if (!e.comment.empty()) out << " comment \"" << e.comment << "\"";
      if (set.verdictMap) out << (e.gotoChain.empty() ? " : accept" : " : goto " + e.gotoChain);
      out << (i + 1 < set.elements.size() ? ",\n" : "\n");
    }
    out << "\t\t}\n";
  }
  out << "\t}\n";
}

void writeRules(std::ostream& out, const nft::Chain& chain) {
  out << "\t\t# " << chain.comment << "\n";
  for (const auto& rule : chain.rules) out << "\t\t" << nft::ruleText(rule) << "\n";
}

void writeChain(std::ostream& out, const nft::Table& t, nft::Hook hook) {
  const bool ingress = hook == nft::Hook::Input;
  const char* name = ingress ? "input" : "output";
  const nft::Chain* chain = t.findChain(hook);
  if (!chain) {
    const char* dir = ingress ? "ingress" : "egress";
    out << "\t# not isolated for " << dir << ": no NetworkPolicy selects " << t.pod << " for " << dir << ", so no "
        << name << " chain\n";
    return;
  }
  out << "\tchain " << name << " {\n";
  out << "\t\ttype filter hook " << name << " priority filter; policy accept;\n";
  writeRules(out, *chain);
  out << "\t}\n";
}

}  // namespace

std::string renderNft(const nft::Table& t) {
  std::ostringstream out;
  out << "# kguard NetworkPolicy ruleset for pod " << t.pod;
  for (size_t i = 0; i < t.podIps.size(); ++i) out << (i ? ", " : " (") << t.podIps[i].str() << (i + 1 == t.podIps.size() ? ")" : "");
  for (const auto& [id, rule] : t.denyLogIds)
    out << "\n# deny log prefix kg:" << id << " = " << rule.tier << " " << rule.policy << " " << rule.rule;
  out << "\n# Replaces table inet " << kTableName << " in one transaction; other tables are untouched.\n";
  out << "table inet " << kTableName << "\ndelete table inet " << kTableName << "\n";
  out << "table inet " << kTableName << " {\n";
  for (const auto& counter : t.counters) out << "\tcounter " << counter << " {\n\t}\n";
  auto writeRegularChain = [&out](const nft::Chain& chain) {
    out << "\tchain " << chain.name << " {\n";
    writeRules(out, chain);
    out << "\t}\n";
  };
  // In the agent's batch order (agent/nft_batch.cpp), which `nft list` keeps: exempt chains before the
  // deny chains that jump to them (nft -f resolves their lookups of the sets declared below), deny
  // chains before the maps whose elements go to them.
  for (const auto& chain : t.exemptChains) writeRegularChain(chain);
  for (const auto& chain : t.denyChains) writeRegularChain(chain);
  for (const auto& set : t.sets) writeSet(out, set);
  writeChain(out, t, nft::Hook::Input);
  writeChain(out, t, nft::Hook::Output);
  out << "}\n";
  return out.str();
}

std::string renderNft(const Ruleset& rs, const RenderOptions& options) { return renderNft(nft::buildTable(rs, options)); }

size_t ruleCount(const Ruleset& rs, const RenderOptions& options) { return nft::ruleCount(nft::buildTable(rs, options)); }

}  // namespace netpol
