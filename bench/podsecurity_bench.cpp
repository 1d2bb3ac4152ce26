// Pod Security evaluation cost per pod, against copying the same PodSpec in the same run.
// Why that baseline: any consumer of a decoded pod (the webhook keeps the AdmissionReview's pod,
// lint keeps every manifest's) pays at least one PodSpec copy, so "evaluation costs N copies" is a
// machine-independent ratio. Upstream's Go evaluator takes about 3 us per pod.
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "kube/manifest.h"
#include "kube/pod_decode.h"
#include "podsecurity/evaluator.h"

namespace {

// A typical restricted-compliant Deployment-style pod: an init container and two containers with
// probes, ports, resources and a full restricted securityContext, plus the usual volumes.
const char* kCompliant = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: frontend, version: v3}
  annotations: {prometheus.io/scrape: "true", prometheus.io/port: "9090"}
spec:
  serviceAccountName: web
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    fsGroup: 10001
    seccompProfile: {type: RuntimeDefault}
  initContainers:
  - name: migrate
    image: registry.example.com/web-migrate@sha256:0123456789abcdef
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    resources: {limits: {cpu: 500m, memory: 256Mi}, requests: {cpu: 100m, memory: 128Mi}}
  containers:
  - name: web
    image: registry.example.com/web@sha256:0123456789abcdef
    ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]
    livenessProbe: {httpGet: {path: /healthz, port: 8080}}
    readinessProbe: {httpGet: {path: /ready, port: 8080}}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
    resources: {limits: {cpu: "1", memory: 512Mi}, requests: {cpu: 250m, memory: 256Mi}}
  - name: proxy
    image: registry.example.com/proxy@sha256:0123456789abcdef
    ports: [{name: https, containerPort: 8443}]
    readinessProbe: {tcpSocket: {port: 8443}}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
    resources: {limits: {cpu: 200m, memory: 128Mi}}
  volumes:
  - {name: config, configMap: {name: web-config}}
  - {name: tls, secret: {secretName: web-tls}}
  - {name: tmp, emptyDir: {}}
  - name: token
    projected: {sources: [{serviceAccountToken: {path: token, expirationSeconds: 3600}}]}
)";

// The same pod with the usual mistakes: host network, a privileged container without drop ALL, a
// hostPath volume, a host port and runAsNonRoot missing.
const char* kViolating = R"(apiVersion: v1
kind: Pod
metadata: {name: agent, labels: {app: agent}}
spec:
  hostNetwork: true
  securityContext: {seccompProfile: {type: RuntimeDefault}}
  initContainers:
  - name: setup
    image: registry.example.com/setup:1.0
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  containers:
  - name: agent
    image: registry.example.com/agent:1.0
    ports: [{containerPort: 9100, hostPort: 9100}]
    securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}
  - name: sidecar
    image: registry.example.com/sidecar:1.0
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  volumes:
  - {name: root, hostPath: {path: /}}
  - {name: tmp, emptyDir: {}}
)";

kube::PodTemplate decode(const char* yaml) {
  auto manifests = kube::parseManifests(yaml, "bench.yaml");
  const kube::PodTemplate* pod = manifests.at(0).pod().get();
  if (!pod) throw std::runtime_error("bench pod did not decode");
  return *pod;
}

const podsecurity::LevelVersion kRestrictedLatest{podsecurity::Level::Restricted, podsecurity::Version::latest()};
const podsecurity::LevelVersion kBaselineLatest{podsecurity::Level::Baseline, podsecurity::Version::latest()};

void evaluate(benchmark::State& state, const char* yaml, const podsecurity::LevelVersion& lv, bool expectAllowed) {
  const auto pod = decode(yaml);
  const auto& evaluator = podsecurity::defaultEvaluator();
  if (evaluator.evaluate(lv, pod.metadata, pod.spec).allowed != expectAllowed)
    state.SkipWithError("bench pod is not decided as intended");
  for (auto _ : state) {
    auto result = evaluator.evaluate(lv, pod.metadata, pod.spec);
    benchmark::DoNotOptimize(result);
  }
}

void BM_CopyPodSpec_Compliant(benchmark::State& state) {
  const auto pod = decode(kCompliant);
  for (auto _ : state) {
    kube::PodSpec copy = pod.spec;
    benchmark::DoNotOptimize(copy);
  }
}

void BM_CopyPodSpec_Violating(benchmark::State& state) {
  const auto pod = decode(kViolating);
  for (auto _ : state) {
    kube::PodSpec copy = pod.spec;
    benchmark::DoNotOptimize(copy);
  }
}

void BM_Evaluate_Compliant_RestrictedLatest(benchmark::State& state) {
  evaluate(state, kCompliant, kRestrictedLatest, true);
}
void BM_Evaluate_Violating_RestrictedLatest(benchmark::State& state) {
  evaluate(state, kViolating, kRestrictedLatest, false);
}
void BM_Evaluate_Compliant_BaselineLatest(benchmark::State& state) {
  evaluate(state, kCompliant, kBaselineLatest, true);
}

void BM_EvaluateAndMessage_Violating_RestrictedLatest(benchmark::State& state) {
  const auto pod = decode(kViolating);
  const auto& evaluator = podsecurity::defaultEvaluator();
  for (auto _ : state) {
    auto message = podsecurity::forbiddenMessage(kRestrictedLatest, evaluator.evaluate(kRestrictedLatest, pod.metadata, pod.spec));
    benchmark::DoNotOptimize(message);
  }
}

}  // namespace

BENCHMARK(BM_CopyPodSpec_Compliant);
BENCHMARK(BM_CopyPodSpec_Violating);
BENCHMARK(BM_Evaluate_Compliant_RestrictedLatest);
BENCHMARK(BM_Evaluate_Compliant_BaselineLatest);
BENCHMARK(BM_Evaluate_Violating_RestrictedLatest);
BENCHMARK(BM_EvaluateAndMessage_Violating_RestrictedLatest);

BENCHMARK_MAIN();
