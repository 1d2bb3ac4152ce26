// NetworkPolicy compiler benchmarks (netpol/):
//  * BM_NetpolCompileAllPods: compile the rulesets of 1,000 pods under 1,000 policies (a realistic mix
//    of pod/namespace selectors, named ports, endPort ranges, ipBlocks with except, default denies),
//    against BM_NetpolSelectBaseline, the selector matching every compiler must do in the same run.
//  * BM_NetpolRulesetSize/N: one pod selected by N policies that draw their peers from a fixed pool;
//    counters report set elements vs. the rules x peers a rule-per-peer compiler would emit.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "netpol/render_nft.h"
#include "netpol/ruleset.h"
#include "netpol/selection.h"

using namespace netpol;

namespace {

kube::LabelSelector matchLabels(kube::StringMap labels) {
  kube::LabelSelector s;
  s.matchLabels = std::move(labels);
  return s;
}

kube::LabelSelector matchIn(const std::string& key, std::vector<std::string> values) {
  kube::LabelSelector s;
  s.matchExpressions.push_back({key, kube::LabelSelectorRequirement::Operator::In, std::move(values)});
  return s;
}

IpAddress v4(uint32_t value) {
  IpAddress a;
  a.lo = value;
  return a;
}

const char* kTiers[] = {"web", "api", "db", "cache"};

Cluster makeCluster(int pods, int namespaces, int apps) {
  Cluster c;
  for (int n = 0; n < namespaces; ++n) {
    std::string name = "ns" + std::to_string(n);
    c.namespaces.push_back({name, {{"kubernetes.io/metadata.name", name}, {"team", "t" + std::to_string(n % 5)}}});
  }
  for (int i = 0; i < pods; ++i) {
    Pod p;
    p.namespace_ = "ns" + std::to_string(i % namespaces);
    p.name = "pod" + std::to_string(i);
    p.labels = {{"app", "app" + std::to_string(i % apps)}, {"tier", kTiers[i % 4]}};
    p.ips.push_back(v4((10u << 24) | (244u << 16) | static_cast<uint32_t>(i)));
    // Named ports differ between pods: one rule means different numbers on different pods.
    p.ports = {{"http", i % 2 ? 8080 : 9090, Protocol::TCP}, {"metrics", 9100, Protocol::TCP}, {"dns", 53, Protocol::UDP}};
    c.pods.push_back(std::move(p));
  }
  return c;
}

NetworkPolicy makePolicy(int i, int namespaces, int apps, std::mt19937& rng) {
  NetworkPolicy np;
  np.namespace_ = "ns" + std::to_string(i % namespaces);
  np.name = "np" + std::to_string(i);
  auto app = [&] { return "app" + std::to_string(rng() % apps); };
  Rule rule;
  switch (i % 10) {
    case 0:  // default deny
      np.podSelector = {};
      np.affectsEgress = i % 20 == 0;
      return np;
    case 1:
    case 2:
    case 3:  // app from app on a named port
      np.podSelector = matchLabels({{"app", app()}});
      rule.peers.push_back({matchLabels({{"app", app()}}), std::nullopt, std::nullopt});
      rule.peers.push_back({matchIn("tier", {"web", "api"}), matchLabels({{"team", "t" + std::to_string(rng() % 5)}}), std::nullopt});
      rule.ports.push_back({Protocol::TCP, std::nullopt, std::string("http"), std::nullopt});
      np.ingress.push_back(rule);
      return np;
    case 4:
    case 5:  // tier from namespaces, numeric port + range
      np.podSelector = matchLabels({{"tier", kTiers[rng() % 4]}});
      rule.peers.push_back({std::nullopt, matchLabels({{"team", "t" + std::to_string(rng() % 5)}}), std::nullopt});
      rule.ports.push_back({Protocol::TCP, 5432, std::nullopt, std::nullopt});
      rule.ports.push_back({Protocol::TCP, 30000, std::nullopt, 30100});
      np.ingress.push_back(rule);
      return np;
    case 6:
    case 7: {  // egress to the outside world, with excepts
      np.podSelector = matchLabels({{"app", app()}});
      IPBlock block;
      block.cidr = *parseCidr("0.0.0.0/0");
      block.except = {*parseCidr("10.0.0.0/8"), *parseCidr("192.168.0.0/16"), *parseCidr("172.16.0.0/12")};
      rule.peers.push_back({std::nullopt, std::nullopt, block});
      rule.ports.push_back({Protocol::TCP, 443, std::nullopt, std::nullopt});
      np.egress.push_back(rule);
      Rule dns;
      dns.peers.push_back({matchLabels({{"app", app()}}), kube::LabelSelector{}, std::nullopt});
      dns.ports.push_back({Protocol::UDP, std::nullopt, std::string("dns"), std::nullopt});
      np.egress.push_back(dns);
      np.affectsEgress = true;
      return np;
    }
    default: {  // monitoring scrapes metrics from a CIDR
      np.podSelector = {};
      IPBlock block;
      block.cidr = *parseCidr("10.96.0.0/12");
      block.except = {*parseCidr("10.96.0.0/24")};
      rule.peers.push_back({std::nullopt, std::nullopt, block});
      rule.ports.push_back({Protocol::TCP, std::nullopt, std::string("metrics"), std::nullopt});
      np.ingress.push_back(rule);
      return np;
    }
  }
}

Cluster realisticCluster() {
  const int pods = 1000, policies = 1000, namespaces = 20, apps = 100;
  Cluster c = makeCluster(pods, namespaces, apps);
  std::mt19937 rng(42);
  for (int i = 0; i < policies; ++i) c.policies.push_back(makePolicy(i, namespaces, apps, rng));
  return c;
}

// The unavoidable part: which policies select each pod and which pods each peer selects.
void BM_NetpolSelectBaseline(benchmark::State& state) {
  Cluster c = realisticCluster();
  for (auto _ : state) {
    size_t matches = 0;
    for (const auto& pod : c.pods)
      for (const auto& policy : c.policies) {
        if (!policySelectsPod(policy, pod)) continue;
        for (const auto& rule : policy.ingress)
          for (const auto& peer : rule.peers)
            if (!peer.ipBlock) matches += podsSelectedByPeer(c, policy, peer).size();
        for (const auto& rule : policy.egress)
          for (const auto& peer : rule.peers)
            if (!peer.ipBlock) matches += podsSelectedByPeer(c, policy, peer).size();
      }
    benchmark::DoNotOptimize(matches);
  }
}
BENCHMARK(BM_NetpolSelectBaseline)->Unit(benchmark::kMillisecond);

void BM_NetpolCompileAllPods(benchmark::State& state) {
  Cluster c = realisticCluster();
  size_t elements = 0;
  for (auto _ : state) {
    elements = 0;
    for (const auto& pod : c.pods) {
      auto rs = compileRuleset(c, pod);
      elements += rs.ingress.elementCount() + rs.egress.elementCount();
      benchmark::DoNotOptimize(rs);
    }
  }
  state.counters["pods"] = static_cast<double>(c.pods.size());
  state.counters["policies"] = static_cast<double>(c.policies.size());
  state.counters["elements_total"] = static_cast<double>(elements);
}
BENCHMARK(BM_NetpolCompileAllPods)->Unit(benchmark::kMillisecond);

// The same with one RulesetCompiler for all pods (what the agent does): peers resolved once per rule.
void BM_NetpolCompileAllPodsShared(benchmark::State& state) {
  Cluster c = realisticCluster();
  size_t elements = 0;
  for (auto _ : state) {
    elements = 0;
    RulesetCompiler compiler(c);
    for (const auto& pod : c.pods) {
      auto rs = compiler.compile(pod);
      elements += rs.ingress.elementCount() + rs.egress.elementCount();
      benchmark::DoNotOptimize(rs);
    }
  }
  state.counters["elements_total"] = static_cast<double>(elements);
}
BENCHMARK(BM_NetpolCompileAllPodsShared)->Unit(benchmark::kMillisecond);

void BM_NetpolCompileAndRenderAllPods(benchmark::State& state) {
  Cluster c = realisticCluster();
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const auto& pod : c.pods) bytes += renderNft(compileRuleset(c, pod)).size();
  }
  state.counters["text_bytes_total"] = static_cast<double>(bytes);
}
BENCHMARK(BM_NetpolCompileAndRenderAllPods)->Unit(benchmark::kMillisecond);

// One server pod; N policies select it, each allowing 10 client apps drawn from a pool of 50 on one
// of 3 ports. Distinct peers stay <= 50 pods x 3 ports whatever N is.
void BM_NetpolRulesetSize(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Cluster c = makeCluster(500, 5, 50);
  Pod server;
  server.namespace_ = "ns0";
  server.name = "server";
  server.labels = {{"role", "server"}};
  server.ips.push_back(v4(0x0a630001));
  c.pods.push_back(server);
  std::mt19937 rng(7);
  size_t rulesTimesPeers = 0;
  for (int i = 0; i < n; ++i) {
    NetworkPolicy np;
    np.namespace_ = "ns0";
    np.name = "p" + std::to_string(i);
    np.podSelector = matchLabels({{"role", "server"}});
    Rule rule;
    std::vector<std::string> apps;
    for (int k = 0; k < 10; ++k) apps.push_back("app" + std::to_string(rng() % 50));
    rule.peers.push_back({matchIn("app", apps), kube::LabelSelector{}, std::nullopt});
    rule.ports.push_back({Protocol::TCP, static_cast<int32_t>(8000 + rng() % 3), std::nullopt, std::nullopt});
    np.ingress.push_back(rule);
    rulesTimesPeers += podsSelectedByPeer(c, np, rule.peers[0]).size();
    c.policies.push_back(np);
  }
  const Pod& target = c.pods.back();
  size_t elements = 0, bytes = 0;
  for (auto _ : state) {
    auto rs = compileRuleset(c, target);
    elements = rs.ingress.elementCount();
    bytes = renderNft(rs).size();
  }
  state.counters["elements"] = static_cast<double>(elements);
  state.counters["rules_x_peers"] = static_cast<double>(rulesTimesPeers);
  state.counters["elements_per_rule_peer"] = static_cast<double>(elements) / static_cast<double>(rulesTimesPeers);
  state.counters["text_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_NetpolRulesetSize)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
