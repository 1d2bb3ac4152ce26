// Prometheus text exposition of the metric primitives (served by runtime/health_routes.h).
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "metrics/prometheus.h"


TEST_CASE("counters render one sample per label set, with escaped values") {
  metrics::CounterVec c("things_total", "Things.", {"kind", "result"});
  c.inc({"a", "ok"});
  c.inc({"a", "ok"}, 2);
  c.inc({"quote\"back\\slash", "new\nline"});
  CHECK(c.value({"a", "ok"}) == 3);
  CHECK(c.value({"b", "ok"}) == 0);
  std::string out;
  c.render(out);
  CHECK(out == "# HELP things_total Things.\n# TYPE things_total counter\n"
               "things_total{kind=\"a\",result=\"ok\"} 3\n"
               "things_total{kind=\"quote\\\"back\\\\slash\",result=\"new\\nline\"} 1\n");
}

TEST_CASE("counters render series in label order, whatever order increments find them in") {
  // The shards keep series shorter-value-first (cheap to search on every increment); the exposition
  // is sorted by the values' bytes.
  metrics::CounterVec c("rule_total", "Rules.", {"rule", "mode"});
  c.inc({"kguard.resourceLimits", "warn"});
  c.inc({"b", "warn"});
  c.inc({"aa", "warn"});
  c.inc({"aa", "enforce"});
  c.inc({"aa", "enforce"});
  c.inc({"aa"});  // fewer values than labels: a prefix sorts first
  CHECK(c.value({"aa", "enforce"}) == 2);
  CHECK(c.value({"aa", "warn"}) == 1);
  CHECK(c.value({"aa"}) == 1);
  CHECK(c.value({"a"}) == 0);
  CHECK(c.value({"kguard.resourceLimits", "warn"}) == 1);
  CHECK(c.value({"kguard.resourceLimits", "warm"}) == 0);
  std::string out;
  c.render(out);
  CHECK(out == "# HELP rule_total Rules.\n# TYPE rule_total counter\n"
               "rule_total{rule=\"aa\"} 1\n"
               "rule_total{rule=\"aa\",mode=\"enforce\"} 2\n"
               "rule_total{rule=\"aa\",mode=\"warn\"} 1\n"
               "rule_total{rule=\"b\",mode=\"warn\"} 1\n"
               "rule_total{rule=\"kguard.resourceLimits\",mode=\"warn\"} 1\n");
}

TEST_CASE("gauges hold the last value set") {
  metrics::Gauge g("pods", "Pods.");
  g.set(7);
  g.set(5);
  std::string out;
  g.render(out);
  CHECK(out == "# HELP pods Pods.\n# TYPE pods gauge\npods 5\n");
}

TEST_CASE("histogram buckets are cumulative and +Inf counts everything") {
  metrics::Histogram h("latency_seconds", "Latency.", {0.01, 0.1, 1});
  h.observe(0.005);
  h.observe(0.01);  // on the bound: le is inclusive
  h.observe(0.5);
  h.observe(30);
  std::string out;
  h.render(out);
  CHECK(out == "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n"
               "latency_seconds_bucket{le=\"0.01\"} 2\n"
               "latency_seconds_bucket{le=\"0.1\"} 2\n"
               "latency_seconds_bucket{le=\"1\"} 3\n"
               "latency_seconds_bucket{le=\"+Inf\"} 4\n"
               "latency_seconds_sum 30.515\n"
               "latency_seconds_count 4\n");
}

TEST_CASE("counts from many threads (different shards) add up") {
  metrics::CounterVec c("hits_total", "Hits.", {"path"});
  metrics::Histogram h("t_seconds", "T.", {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        c.inc({"/validate"});
        h.observe(i % 2 ? 0.1 : 0.9);
      }
    });
  for (auto& t : threads) t.join();
  CHECK(c.value({"/validate"}) == 12000);
  CHECK(h.count() == 12000);
  std::string out;
  h.render(out);
  CHECK(out.find("t_seconds_bucket{le=\"0.5\"} 6000\n") != std::string::npos);
  CHECK(out.find("t_seconds_sum 6000\n") != std::string::npos);
}
