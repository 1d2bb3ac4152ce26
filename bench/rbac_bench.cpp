// RBAC decision speed on a world of 10,000 bindings: the indexed Evaluator against upstream's
// algorithm (every ClusterRoleBinding, then every RoleBinding of the namespace) in the same run.
//   build-rbac/bench/rbac_bench --benchmark_min_time=0.5
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "rbac/audit.h"
#include "rbac/evaluator.h"
#include "rbac/user_info.h"

namespace {

constexpr int kBindings = 10000;
constexpr int kClusterBindings = 1000;
constexpr int kNamespaces = 300;
constexpr int kUsers = 5000;
constexpr int kGroups = 200;
constexpr int kClusterRoles = 60;

const std::vector<std::string> kVerbs = {"get", "list", "watch", "create", "update", "patch", "delete"};
const std::vector<std::pair<std::string, std::string>> kResources = {
    {"", "pods"},        {"", "secrets"},       {"", "configmaps"},   {"", "services"},     {"apps", "deployments"},
    {"apps", "statefulsets"}, {"batch", "jobs"}, {"", "serviceaccounts"}, {"networking.k8s.io", "ingresses"},
    {"", "events"}};

std::string ns(int i) { return "ns-" + std::to_string(i); }

rbac::PolicyRule randomRule(std::mt19937& rng) {
  rbac::PolicyRule r;
  r.verbs = {kVerbs[rng() % kVerbs.size()], kVerbs[rng() % kVerbs.size()]};
  const auto& res = kResources[rng() % kResources.size()];
  r.apiGroups = {res.first};
  r.resources = {res.second, kResources[rng() % kResources.size()].second};
  if (rng() % 10 == 0) r.resourceNames = {"n" + std::to_string(rng() % 5)};
  return r;
}

rbac::Policy makeWorld() {
  std::mt19937 rng(12345);
  rbac::Policy p;
  for (int i = 0; i < kClusterRoles; ++i) {
    rbac::Role r;
    r.clusterScoped = true;
    r.name = "cr-" + std::to_string(i);
    for (int k = 0; k < 5 + static_cast<int>(rng() % 15); ++k) r.rules.push_back(randomRule(rng));
    p.roles.push_back(r);
  }
  for (int n = 0; n < kNamespaces; ++n)
    for (int i = 0; i < 2; ++i) {
      rbac::Role r;
      r.name = "r-" + std::to_string(i);
      r.namespace_ = ns(n);
      for (int k = 0; k < 3; ++k) r.rules.push_back(randomRule(rng));
      p.roles.push_back(r);
    }
  for (int b = 0; b < kBindings; ++b) {
    rbac::Binding binding;
    binding.clusterScoped = b < kClusterBindings;
    binding.name = "b-" + std::to_string(b);
    binding.namespace_ = binding.clusterScoped ? "" : ns(static_cast<int>(rng() % kNamespaces));
    bool toRole = !binding.clusterScoped && rng() % 2 == 0;
    binding.roleRef = {"rbac.authorization.k8s.io", toRole ? "Role" : "ClusterRole",
                       toRole ? "r-" + std::to_string(rng() % 2) : "cr-" + std::to_string(rng() % kClusterRoles)};
    for (int s = 0; s < 1 + static_cast<int>(rng() % 3); ++s) {
      switch (rng() % 3) {
        case 0: binding.subjects.push_back({"User", "", "user-" + std::to_string(rng() % kUsers), ""}); break;
        case 1: binding.subjects.push_back({"Group", "", "group-" + std::to_string(rng() % kGroups), ""}); break;
        default:
          binding.subjects.push_back({"ServiceAccount", "", "sa-" + std::to_string(rng() % 5),
                                      binding.clusterScoped ? ns(static_cast<int>(rng() % kNamespaces)) : ""});
      }
    }
    p.bindings.push_back(binding);
  }
  return p;
}

struct Query {
  rbac::UserInfo user;
  rbac::Request request;
};

std::vector<Query> makeQueries() {
  std::mt19937 rng(777);
  std::vector<Query> qs;
  for (int i = 0; i < 4096; ++i) {
    Query q;
    if (rng() % 3 == 0) {
      q.user = rbac::impersonatedUser(rbac::serviceAccountUsername(ns(static_cast<int>(rng() % kNamespaces)), "sa-" + std::to_string(rng() % 5)), {});
    } else {
      q.user = rbac::impersonatedUser("user-" + std::to_string(rng() % kUsers),
                                      {"group-" + std::to_string(rng() % kGroups), "group-" + std::to_string(rng() % kGroups)});
    }
    const auto& res = kResources[rng() % kResources.size()];
    q.request = rbac::Request::resource_(kVerbs[rng() % kVerbs.size()], res.first, res.second, "",
                                         rng() % 10 == 0 ? "" : ns(static_cast<int>(rng() % kNamespaces)),
                                         rng() % 2 ? "n" + std::to_string(rng() % 5) : "");
    qs.push_back(q);
  }
  return qs;
}

const rbac::Evaluator& world() {
  static const rbac::Evaluator evaluator(makeWorld());
  return evaluator;
}
const std::vector<Query>& queries() {
  static const std::vector<Query> qs = makeQueries();
  return qs;
}

void BM_CanI_Indexed(benchmark::State& state) {
  const auto& ev = world();
  const auto& qs = queries();
  std::size_t i = 0, allowed = 0;
  for (auto _ : state) {
    const Query& q = qs[i++ & 4095];
    allowed += ev.allows(q.user, q.request);
  }
  state.counters["allowed%"] = 100.0 * static_cast<double>(allowed) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CanI_Indexed);

void BM_CanI_DecideWithReason(benchmark::State& state) {
  const auto& ev = world();
  const auto& qs = queries();
  std::size_t i = 0;
  for (auto _ : state) {
    const Query& q = qs[i++ & 4095];
    benchmark::DoNotOptimize(ev.decide(q.user, q.request));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CanI_DecideWithReason);

// Baseline: upstream's VisitRulesFor, scanning every binding and subject.
void BM_CanI_LinearScanBaseline(benchmark::State& state) {
  const auto& ev = world();
  const auto& qs = queries();
  std::size_t i = 0;
  for (auto _ : state) {
    const Query& q = qs[i++ & 4095];
    benchmark::DoNotOptimize(ev.allowsByLinearScan(q.user, q.request));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CanI_LinearScanBaseline);

void BM_WhoCan_Indexed(benchmark::State& state) {
  const auto& ev = world();
  const auto& qs = queries();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ev.whoCan(qs[i++ & 4095].request));
}
BENCHMARK(BM_WhoCan_Indexed)->Unit(benchmark::kMicrosecond);

// Baseline: every binding's rules checked, no per-role memo, no namespace index.
void BM_WhoCan_LinearScanBaseline(benchmark::State& state) {
  const auto& ev = world();
  const auto& qs = queries();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ev.whoCanByLinearScan(qs[i++ & 4095].request));
}
BENCHMARK(BM_WhoCan_LinearScanBaseline)->Unit(benchmark::kMicrosecond);

void BM_BuildIndex(benchmark::State& state) {
  rbac::Policy policy = makeWorld();
  for (auto _ : state) benchmark::DoNotOptimize(rbac::Evaluator(policy));
}
BENCHMARK(BM_BuildIndex)->Unit(benchmark::kMillisecond);

// The whole escalation audit of the world (every subject, every path, every scope).
void BM_AuditWholeWorld(benchmark::State& state) {
  const auto& ev = world();
  std::size_t findings = 0;
  for (auto _ : state) findings = rbac::auditEscalationPaths(ev).size();
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_AuditWholeWorld)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
