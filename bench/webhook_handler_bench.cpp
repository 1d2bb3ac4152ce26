// The webhook's request handling without HTTP and TLS, per AdmissionReview of a 3-container pod
// (bench/webhook/pod.json): parsing the review, validating it (restricted namespace, default config) and
// rendering the answer — against nlohmann's bare parse of the same bytes; the *Fast cases take the
// simdjson path the server uses for Pod reviews (webhook/fast_review.h), the *Rules cases with every kguard
// rule on (bench/webhook/kguard-rules.yaml, run.sh's RULES_CONFIG); BM_WholeHandlerRulesOnOff puts the
// two side by side.
//
//   build/bench/webhook_handler_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "webhook/admission/validator.h"
#include "webhook/admission_review.h"

namespace {

std::string readPod() {
  std::ifstream in(KGUARD_SOURCE_DIR "/bench/webhook/pod.json");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// With spare capacity, as the server's request bodies have (simdjson then parses in place).
std::string padded(std::string s) {
  s.reserve(s.size() + 64);
  return s;
}

const std::string& review() {
  static const std::string body = padded(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"b1","kind":{"group":"","version":"v1","kind":"Pod"},)"
      R"("resource":{"group":"","version":"v1","resource":"pods"},"namespace":"shop","operation":"CREATE",)"
      R"("userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller"},"object":)" +
      readPod() + "}}");
  return body;
}

struct RestrictedNamespace : admission::NamespaceGetter, admission::PodLister {
  admission::NamespaceLookup getNamespace(const std::string&, admission::Deadline) override {
    return {true, {{"pod-security.kubernetes.io/enforce", "restricted"}}, ""};
  }
  admission::PodList listPods(const std::string&, std::chrono::milliseconds) override { return {true, {}, "", {}}; }
};

void BM_NlohmannParseOnly(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(review()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * review().size()));
}
BENCHMARK(BM_NlohmannParseOnly);

void BM_ParseAdmissionReview(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(webhook::parseAdmissionReview(review()));
}
BENCHMARK(BM_ParseAdmissionReview);

config::KguardConfig everyRule() { return config::loadConfig(KGUARD_SOURCE_DIR "/bench/webhook/kguard-rules.yaml"); }

// A validator for a restricted namespace, as the server holds one (the default config unless given).
struct Handler {
  explicit Handler(const config::KguardConfig& config = {}) : validator(config, cluster, cluster, metrics) {}
  RestrictedNamespace cluster;
  webhook::Metrics metrics;
  admission::Validator validator;

  std::string answer(bool fast) {
    auto parsed = webhook::parseAdmissionReview(review(), fast);
    auto response = validator.validate(parsed.review.request);
    return webhook::renderAdmissionReview(parsed.review.apiVersion, parsed.review.request.uid, response);
  }
};

void validateLoop(benchmark::State& state, bool fast, const config::KguardConfig& config = {}) {
  Handler handler(config);
  auto parsed = webhook::parseAdmissionReview(review(), fast);
  for (auto _ : state) benchmark::DoNotOptimize(handler.validator.validate(parsed.review.request));
}

void wholeHandlerLoop(benchmark::State& state, bool fast, const config::KguardConfig& config = {}) {
  Handler handler(config);
  for (auto _ : state) benchmark::DoNotOptimize(handler.answer(fast));
}

void BM_Validate(benchmark::State& state) { validateLoop(state, false); }
BENCHMARK(BM_Validate);

void BM_WholeHandler(benchmark::State& state) { wholeHandlerLoop(state, false); }
BENCHMARK(BM_WholeHandler);

// The path `kguard webhook` takes for Pod reviews (webhook/fast_review.h), kguard rules on or off.
void BM_ParseAdmissionReviewFast(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(webhook::parseAdmissionReview(review(), true));
}
BENCHMARK(BM_ParseAdmissionReviewFast);

void BM_ValidateFast(benchmark::State& state) { validateLoop(state, true); }
BENCHMARK(BM_ValidateFast);

void BM_Render(benchmark::State& state) {
  Handler handler;
  auto parsed = webhook::parseAdmissionReview(review(), true);
  auto response = handler.validator.validate(parsed.review.request);
  for (auto _ : state)
    benchmark::DoNotOptimize(webhook::renderAdmissionReview(parsed.review.apiVersion, parsed.review.request.uid, response));
}
BENCHMARK(BM_Render);

void BM_WholeHandlerFast(benchmark::State& state) { wholeHandlerLoop(state, true); }
BENCHMARK(BM_WholeHandlerFast);

void BM_ValidateFastRules(benchmark::State& state) { validateLoop(state, true, everyRule()); }
BENCHMARK(BM_ValidateFastRules);

void BM_WholeHandlerFastRules(benchmark::State& state) { wholeHandlerLoop(state, true, everyRule()); }
BENCHMARK(BM_WholeHandlerFastRules);

// Rules on against rules off in one loop, alternating batches of requests so that both see the same
// machine: the issue's "rules on within 5 % of rules off" as counters off_us and on_us (this thread's CPU
// time per request, as the server's CPU per request; a shared machine inflates wall time) and on/off.
double threadCpuUs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

void BM_WholeHandlerRulesOnOff(benchmark::State& state) {
  constexpr int kBatch = 16;  // requests per side between clock reads
  Handler off, on(everyRule());
  double offUs = 0, onUs = 0;
  for (auto _ : state) {
    const double t0 = threadCpuUs();
    for (int i = 0; i < kBatch; ++i) benchmark::DoNotOptimize(off.answer(true));
    const double t1 = threadCpuUs();
    for (int i = 0; i < kBatch; ++i) benchmark::DoNotOptimize(on.answer(true));
    offUs += t1 - t0;
    onUs += threadCpuUs() - t1;
  }
  const double requests = static_cast<double>(state.iterations()) * kBatch;
  state.counters["off_us"] = offUs / requests;
  state.counters["on_us"] = onUs / requests;
  state.counters["on/off"] = offUs > 0 ? onUs / offUs : 0;
}
BENCHMARK(BM_WholeHandlerRulesOnOff);

}  // namespace

BENCHMARK_MAIN();
