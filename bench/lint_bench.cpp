// kguard lint throughput on a large manifest set, as a ratio to the time libyaml alone takes to scan
// the same text into events (the floor: lint has to parse it too), and to yaml-cpp's LoadAll (what
// kguard used before libyaml; kept as a fixed reference when libyaml-cpp-dev is installed). All
// measured in the same run.
//
//   build/bench/lint_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>

#include <yaml.h>
#ifdef KGUARD_HAVE_YAML_CPP
#include <yaml-cpp/yaml.h>
#endif

#include "kube/manifest.h"
#include "lint/linter.h"

namespace {

// A realistic mix: Deployments (3 containers), CronJobs, Services, ConfigMaps and Namespaces.
std::string manifestSet(int objects) {
  std::string out;
  for (int i = 0; i < objects; ++i) {
    std::string n = std::to_string(i);
    switch (i % 5) {
      case 0:
        out += "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-" + n + "\n  namespace: shop\n  labels: {app: web-" + n + ", tier: frontend}\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web-" + n + "}\n  template:\n    metadata:\n      labels: {app: web-" + n + "}\n    spec:\n      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n      containers:\n";
        for (const char* c : {"app", "sidecar", "metrics"})
          out += std::string("      - name: ") + c + "\n        image: registry.example.com/" + c + ":1." + n + "\n        ports: [{containerPort: 8080, name: http}]\n        env: [{name: MODE, value: production}, {name: REPLICA, value: \"" + n + "\"}]\n        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}\n        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}\n        volumeMounts: [{name: tmp, mountPath: /tmp}]\n";
        out += "      volumes: [{name: tmp, emptyDir: {}}]\n---\n";
        break;
      case 1:
        out += "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: job-" + n + ", namespace: ops}\nspec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostNetwork: true\n          restartPolicy: OnFailure\n          containers:\n          - name: task\n            image: busybox:1.36\n            args: [sh, -c, \"echo " + n + "\"]\n---\n";
        break;
      case 2:
        out += "apiVersion: v1\nkind: Service\nmetadata: {name: svc-" + n + ", namespace: shop}\nspec:\n  selector: {app: web-" + n + "}\n  ports: [{port: 80, targetPort: http, protocol: TCP}]\n---\n";
        break;
      case 3:
        out += "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg-" + n + ", namespace: shop}\ndata:\n  settings.yaml: |\n    level: info\n    replicas: 3\n    feature: enabled\n---\n";
        break;
      default:
        out += "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-" + n + "\n  labels: {pod-security.kubernetes.io/enforce: baseline}\n---\n";
    }
  }
  return out;
}

const std::string& corpus() {
  static const std::string text = manifestSet(2000);
  return text;
}

void BM_LibyamlEventsOnly(benchmark::State& state) {
  for (auto _ : state) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(corpus().data()), corpus().size());
    size_t events = 0;
    for (bool done = false; !done;) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser, &event)) state.SkipWithError("libyaml failed");
      done = event.type == YAML_STREAM_END_EVENT || parser.error != YAML_NO_ERROR;
      ++events;
      yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    benchmark::DoNotOptimize(events);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus().size()));
  state.counters["objects"] = 2000;
}
BENCHMARK(BM_LibyamlEventsOnly)->Unit(benchmark::kMillisecond);

#ifdef KGUARD_HAVE_YAML_CPP
void BM_YamlCppParseOnly(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(YAML::LoadAll(corpus()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus().size()));
  state.counters["objects"] = 2000;
}
BENCHMARK(BM_YamlCppParseOnly)->Unit(benchmark::kMillisecond);
#endif

void BM_KguardLoadAndLint(benchmark::State& state) {
  lint::LintOptions options;
  for (auto _ : state) {
    auto manifests = kube::parseManifests(corpus(), "bench.yaml");
    auto report = lint::lintManifests(manifests, options);
    benchmark::DoNotOptimize(report);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus().size()));
  state.counters["objects"] = 2000;
}
BENCHMARK(BM_KguardLoadAndLint)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
