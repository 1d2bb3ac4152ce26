#include <catch2/catch.hpp>

#include "netpol/lint.h"
#include "tests/netpol/fixtures.h"

using namespace netpol;
using namespace netpol_test;

namespace {

std::vector<std::pair<size_t, findings::Finding>> lintYaml(const std::string& yaml) {
  return lintNetworkPolicies(kube::parseManifests(yaml, "t.yaml"));
}

std::vector<std::string> checks(const std::vector<std::pair<size_t, findings::Finding>>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.second.check + "@" + std::to_string(f.first) + ":" + f.second.field);
  return out;
}

}  // namespace

TEST_CASE("CIDR problems: host bits and excepts outside the cidr") {
  auto findings = lintYaml(policy("x", "p", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.244.1.10/4, except: [192.168.0.0/16, 10.0.0.0/8]}}]}]"));
  CHECK(checks(findings) == std::vector<std::string>{
                                "netpol.cidrHostBits@0:spec.ingress[0].from[0].ipBlock.cidr",
                                "netpol.exceptOutsideCidr@0:spec.ingress[0].from[0].ipBlock.except[0]"});
  CHECK(findings[0].second.message == "ipBlock.cidr 10.244.1.10/4 has host bits set: it means 0.0.0.0/4");
  CHECK(findings[0].second.enforcement == findings::Enforcement::Warning);
  CHECK(findings[0].second.level == "netpol");
  auto covering = lintYaml(policy("x", "p", "  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/8]}}]}]"));
  REQUIRE(covering.size() == 1);
  CHECK(covering[0].second.message.find("covers all of it") != std::string::npos);
}

TEST_CASE("pod-dependent checks run only when the input has pods") {
  std::string policies = policy("x", "none", "  podSelector: {matchLabels: {app: nothing}}\n  ingress: [{ports: [{port: http}]}]");
  CHECK(lintYaml(policies).empty());
  auto findings = lintYaml(ns("x") + pod("x", "a", "{app: web}", "10.0.0.1", "[{name: http, containerPort: 80}]") + policies);
  CHECK(checks(findings) == std::vector<std::string>{"netpol.podSelectorMatchesNothing@2:spec.podSelector",
                                                     "netpol.namedPortUndefined@2:spec.ingress[0].ports[0].port"});
}

TEST_CASE("named ports are checked on the pods the rule applies to") {
  std::string pods = ns("x") + pod("x", "web", "{app: web}", "10.0.0.1", "[{name: http, containerPort: 80}]") +
                     pod("x", "db", "{app: db}", "10.0.0.2", "[{name: sql, containerPort: 5432}]");
  // Ingress: the selected pod (db) does not define http, even though web does.
  auto ingress = lintYaml(pods + policy("x", "p", "  podSelector: {matchLabels: {app: db}}\n  ingress: [{ports: [{port: http}, {port: sql}]}]"));
  CHECK(checks(ingress) == std::vector<std::string>{"netpol.namedPortUndefined@3:spec.ingress[0].ports[0].port"});
  // Egress: the destinations (web) define http.
  auto egress = lintYaml(pods + policy("x", "p", "  podSelector: {matchLabels: {app: db}}\n  egress: [{to: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: http}, {port: sql}]}]"));
  CHECK(checks(egress) == std::vector<std::string>{"netpol.namedPortUndefined@3:spec.egress[0].ports[1].port"});
  // Protocol matters: http is a TCP port.
  auto udp = lintYaml(pods + policy("x", "p", "  podSelector: {matchLabels: {app: web}}\n  ingress: [{ports: [{port: http, protocol: UDP}]}]"));
  CHECK(checks(udp) == std::vector<std::string>{"netpol.namedPortUndefined@3:spec.ingress[0].ports[0].port"});
}

TEST_CASE("ipBlocks covering pod IPs are flagged") {
  auto findings = lintYaml(ns("x") + pod("x", "a", "{}", "10.244.1.10") + pod("x", "b", "{}", "10.244.1.11") +
                           policy("x", "p", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.1.11/32]}}, {ipBlock: {cidr: 8.8.8.8/32}}]}]"));
  REQUIRE(checks(findings) == std::vector<std::string>{"netpol.ipBlockCoversPods@3:spec.ingress[0].from[0].ipBlock"});
  CHECK(findings[0].second.message.find("(x/a)") != std::string::npos);
}

TEST_CASE("an invalid policy is one error finding, the others are still linted") {
  auto findings = lintYaml(policy("x", "bad", "  ingress: [{ports: [{port: 99999}]}]") +
                           policy("x", "ok", "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.1/8}}]}]"));
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].first == 0);
  CHECK(findings[0].second.check == "netpol.invalid");
  CHECK(findings[0].second.enforcement == findings::Enforcement::Error);
  CHECK(findings[0].second.field == "spec.ingress[0].ports[0].port");
  CHECK(findings[1].first == 1);
  CHECK(findings[1].second.check == "netpol.cidrHostBits");
}

TEST_CASE("workload pod templates count as the pods they will create") {
  const std::string deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: x}\nspec:\n  template:\n"
      "    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]\n---\n";
  // Selected by its template labels, and its named port resolves: nothing to report.
  CHECK(lintYaml(deployment + policy("x", "p", "  podSelector: {matchLabels: {app: web}}\n  ingress: [{ports: [{port: http}]}]")).empty());
  // A selector that misses the template and a port no template defines are still reported.
  auto findings = lintYaml(deployment + policy("x", "p", "  podSelector: {matchLabels: {app: api}}\n  ingress: [{ports: [{port: grpc}]}]"));
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].second.check == "netpol.podSelectorMatchesNothing");
  CHECK(findings[1].second.check == "netpol.namedPortUndefined");
}

TEST_CASE("a policy selecting only hostNetwork pods says so instead of 'selects no pod'") {
  // kube-prometheus's node-exporter: a hostNetwork DaemonSet with a policy of its own.
  const std::string daemonSet =
      "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-exporter, namespace: mon}\nspec:\n  template:\n"
      "    metadata: {labels: {app: node-exporter}}\n    spec:\n      hostNetwork: true\n      containers: [{name: c, image: i}]\n---\n";
  auto findings = lintYaml(daemonSet + policy("mon", "p", "  podSelector: {matchLabels: {app: node-exporter}}\n  ingress: [{}]"));
  REQUIRE(checks(findings) == std::vector<std::string>{"netpol.podSelectorMatchesOnlyHostNetwork@1:spec.podSelector"});
  CHECK(findings[0].second.message ==
        "spec.podSelector (app=node-exporter) selects only hostNetwork pods (mon/DaemonSet:node-exporter): NetworkPolicy "
        "does not isolate pods on the node's network, so this policy has no effect");
  // A hostNetwork Pod object counts the same way.
  auto pods = lintYaml(ns("x") + pod("x", "a", "{app: web}", "10.0.0.1") +
                       "---\napiVersion: v1\nkind: Pod\nmetadata: {name: h, namespace: x, labels: {app: agent}}\n"
                       "spec: {hostNetwork: true, containers: [{name: c, image: i}]}\n" +
                       policy("x", "p", "  podSelector: {matchLabels: {app: agent}}"));
  CHECK(checks(pods) == std::vector<std::string>{"netpol.podSelectorMatchesOnlyHostNetwork@3:spec.podSelector"});
  // When it also selects an ordinary pod, there is nothing to say.
  CHECK(lintYaml(daemonSet + policy("mon", "p", "  podSelector: {}") +
                 "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: mon}\nspec:\n  template:\n"
                 "    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: i}]\n")
            .empty());
}
