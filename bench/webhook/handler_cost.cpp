// CPU cost of kguard's request handler without HTTP/TLS: per request, the thread CPU time of
// nlohmann::json::parse alone (for reference), webhook::parseAdmissionReview, Validator::validate
// (restricted namespace, default config) and renderAdmissionReview. A diagnostic for README.md
// ("Findings"); not wired into CMake. After building kguard in build-bench (see README.md):
//
//   B=/work/main/build-bench S=/work/main
//   g++ -std=c++17 -O2 -DNDEBUG -I$S -I$B bench/webhook/handler_cost.cpp -o /tmp/handler_cost \
//     $B/webhook/libkguard_webhook.a $B/webhook/libkguard_admission.a $B/podsecurity/libkguard_podsecurity.a \
//     $B/rules/libkguard_rules.a $B/lint/libkguard_lint.a $B/rbac/libkguard_rbac.a $B/config/libkguard_config.a \
//     $B/kube/libkguard_kube_api.a $B/kube/libkguard_kube.a $B/webhook/libkguard_admission.a \
//     $B/lint/libkguard_lint.a $B/rules/libkguard_rules.a $B/kube/libkguard_kube.a \
//     -lcpp-httplib -lssl -lcrypto -lyaml -lpthread
//   KEEP_WORK=1 bench/webhook/run.sh ...   # or any AdmissionReview file
//   /tmp/handler_cost /tmp/kguard-bench-webhook.XXXXXX/request.json 20000
//
// (The library list follows the current CMake targets; adjust it if they change.)
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "webhook/admission/validator.h"
#include "webhook/admission_review.h"
#include "webhook/metrics.h"

namespace {

double threadCpuMicros() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// Every namespace enforces restricted (what the benchmark's namespace cache holds).
struct RestrictedCluster : admission::NamespaceGetter, admission::PodLister {
  admission::NamespaceLookup getNamespace(const std::string&, admission::Deadline) override {
    return {true, {{"pod-security.kubernetes.io/enforce", "restricted"}}, ""};
  }
  admission::PodList listPods(const std::string&, std::chrono::milliseconds) override { return {true, {}, "", {}}; }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ADMISSION_REVIEW.json [ITERATIONS]\n", argv[0]);
    return 2;
  }
  std::ifstream file(argv[1]);
  std::stringstream text;
  text << file.rdbuf();
  const std::string body = text.str();
  const int n = argc > 2 ? std::atoi(argv[2]) : 20000;

  config::KguardConfig config;
  RestrictedCluster cluster;
  webhook::Metrics metrics;
  admission::Validator validator(config, cluster, cluster, metrics);

  double dom = 0, parse = 0, validate = 0, render = 0;
  size_t sink = 0;
  std::string first;
  for (int i = 0; i < n; ++i) {
    double t0 = threadCpuMicros();
    auto json = nlohmann::json::parse(body, nullptr, false);
    double t1 = threadCpuMicros();
    auto parsed = webhook::parseAdmissionReview(body);
    double t2 = threadCpuMicros();
    auto response = validator.validate(parsed.review.request);
    double t3 = threadCpuMicros();
    auto out = webhook::renderAdmissionReview(parsed.review.apiVersion, parsed.review.request.uid, response);
    double t4 = threadCpuMicros();
    dom += t1 - t0, parse += t2 - t1, validate += t3 - t2, render += t4 - t3;
    sink += json.size() + out.size();
    if (i == 0) first = out;
  }
  std::printf("%s\n", first.c_str());
  std::printf("%d requests of %zu bytes, thread CPU per request: nlohmann::json::parse alone %.1f us | "
              "parseAdmissionReview %.1f us | validate %.1f us | renderAdmissionReview %.1f us | handler total %.1f us (%zu)\n",
              n, body.size(), dom / n, parse / n, validate / n, render / n, (parse + validate + render) / n, sink);
  return 0;
}
