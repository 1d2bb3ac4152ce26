// The five output formats, read back.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "audit/report.h"
#include "audit_test_support.h"

using namespace audit_test;

namespace {

Audited sample() {
  return auditYaml(namespace_("shop", "{pod-security.kubernetes.io/enforce: baseline}") + namespace_("ops") +
                   pod("shop", "top", "  hostPID: true\n") + pod("ops", "tool", "", "{app: tool}") +
                   "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cluster-admin}\n"
                   "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n---\n"
                   "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ops}\n"
                   "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
                   "subjects: [{kind: ServiceAccount, name: default, namespace: ops}]\n");
}

}  // namespace

TEST_CASE("json: namespaces, findings and summary in the documented shape") {
  auto a = sample();
  auto j = nlohmann::json::parse(audit::formatJson(a.view, a.report));
  REQUIRE(j["namespaces"].size() == 2);
  const auto& shop = j["namespaces"][1];
  CHECK(shop["name"] == "shop");
  CHECK(shop["labels"]["pod-security.kubernetes.io/enforce"] == "baseline");
  CHECK(shop["highestPassingLevel"] == "privileged");
  CHECK(shop["nextLevel"]["level"] == "baseline");
  CHECK(shop["violatingEnforce"][0]["name"] == "top");
  REQUIRE(j["findings"].size() == a.report.results.size());
  bool sawHost = false;
  for (const auto& f : j["findings"]) {
    for (const char* key : {"risk", "check", "severity", "kind", "namespace", "name", "message", "severityReason"})
      CHECK(f.contains(key));
    if (f["check"] == "hostNamespaces") {
      sawHost = true;
      CHECK(f["risk"] == "host-isolation");
      CHECK(f["kind"] == "Pod");
      CHECK(f["source"] == "cluster.yaml: document 3 (line 9)");
    }
    if (f["check"] == "kguard.resourceLimits") CHECK(f["container"] == "c");
  }
  CHECK(sawHost);
  CHECK(j["summary"]["findings"] == a.report.results.size());
  CHECK(j["summary"]["byRisk"]["rbac"].get<int>() > 0);
}

TEST_CASE("text: grouped by risk, most severe group first, with counts") {
  auto a = sample();
  std::string text = audit::formatText(a.view, a.report);
  CHECK(text.rfind("kguard audit: " + std::to_string(a.report.results.size()) + " findings (", 0) == 0);
  auto rbac = text.find("\nrbac: "), host = text.find("\nhost-isolation: "), limits = text.find("\nresource-limits: ");
  REQUIRE(rbac != std::string::npos);
  REQUIRE(host != std::string::npos);
  REQUIRE(limits != std::string::npos);
  CHECK(rbac < limits);  // rbac has critical findings, resource-limits none
  CHECK(text.find("  [critical] Pod ops/tool: runs as ServiceAccount ops/default") != std::string::npos);
  CHECK(text.find("shop: enforce baseline:latest") != std::string::npos);
}

TEST_CASE("sarif: one result per finding with risk and severity") {
  auto a = sample();
  auto j = nlohmann::json::parse(audit::formatSarif(a.view, a.report));
  CHECK(j["version"] == "2.1.0");
  const auto& results = j["runs"][0]["results"];
  REQUIRE(results.size() == a.report.results.size());
  for (const auto& r : results) {
    CHECK(r["properties"].contains("risk"));
    CHECK(r["properties"].contains("object"));
  }
  CHECK(results[0]["level"] == "error");
}

TEST_CASE("policyreport: a PolicyReport per namespace and a ClusterPolicyReport") {
  auto a = sample();
  auto j = nlohmann::json::parse(audit::formatPolicyReport(a.view, a.report));
  CHECK(j["kind"] == "List");
  size_t results = 0;
  bool cluster = false;
  for (const auto& item : j["items"]) {
    CHECK(item["apiVersion"] == "wgpolicyk8s.io/v1alpha2");
    CHECK(item["metadata"]["name"] == "kguard-audit");
    CHECK(item["summary"]["fail"] == item["results"].size());
    if (item["kind"] == "ClusterPolicyReport") {
      cluster = true;
      CHECK_FALSE(item["metadata"].contains("namespace"));
    } else {
      CHECK(item["kind"] == "PolicyReport");
      for (const auto& r : item["results"]) CHECK(r["resources"][0]["namespace"] == item["metadata"]["namespace"]);
    }
    for (const auto& r : item["results"]) {
      CHECK(r["result"] == "fail");
      CHECK(!r["policy"].get<std::string>().empty());
    }
    results += item["results"].size();
  }
  CHECK(cluster);
  CHECK(results == a.report.results.size());
}

TEST_CASE("html: self-contained, with every section") {
  auto a = sample();
  std::string html = audit::formatHtml(a.view, a.report);
  for (const char* id : {"id=\"risks\"", "id=\"namespace-table\"", "id=\"heatmap\"", "id=\"escalation-graph\"", "id=\"finding-table\""})
    CHECK(html.find(id) != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("ServiceAccount ops/default") != std::string::npos);
}

TEST_CASE("json and sarif: an item of a JSON List (kubectl get -o json) is located at its own line") {
  const std::string list = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n"
                           "  {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"team\"}},\n"
                           "  {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"namespace\": \"team\"},\n"
                           "   \"spec\": {\"hostPID\": true, \"containers\": [{\"name\": \"c\", \"image\": \"i\"}]}}]}\n";
  auto view = audit::buildClusterView(kube::parseManifests(list, "export.json"), {});
  auto report = audit::runAudit(view, {});
  auto json = nlohmann::json::parse(audit::formatJson(view, report));
  size_t pods = 0;
  for (const auto& f : json["findings"])
    if (f["kind"] == "Pod") {
      ++pods;
      CHECK(f["source"] == "export.json: document 1, items[1] (line 3)");
    }
  CHECK(pods > 1);
  auto sarif = nlohmann::json::parse(audit::formatSarif(view, report));
  int hostPid = 0;
  for (size_t i = 0; i < report.results.size(); ++i) {
    const auto& r = report.results[i];
    if (r.finding.object.kind != "Pod") continue;
    int line = sarif["runs"][0]["results"][i]["locations"][0]["physicalLocation"]["region"]["startLine"];
    INFO(r.finding.check << " " << r.finding.field);
    CHECK(line >= 3);
    if (r.finding.field == "spec.hostPID") hostPid = line;
  }
  CHECK(hostPid == 4);  // the field inside the item, not line 1
}

TEST_CASE("json and sarif: a namespace's findings are located at its Namespace object") {
  auto a = sample();  // Namespace shop is document 1, ops document 2
  auto json = nlohmann::json::parse(audit::formatJson(a.view, a.report));
  auto sarif = nlohmann::json::parse(audit::formatSarif(a.view, a.report));
  size_t namespaceFindings = 0;
  for (size_t i = 0; i < a.report.results.size(); ++i) {
    const auto& f = a.report.results[i].finding;
    if (f.object.kind != "Namespace") continue;
    ++namespaceFindings;
    INFO(f.check << " " << f.object.name);
    const bool shop = f.object.name == "shop";
    CHECK(json["findings"][i]["source"] == (shop ? "cluster.yaml: document 1 (line 1)" : "cluster.yaml: document 2 (line 5)"));
    const auto& locations = sarif["runs"][0]["results"][i]["locations"];
    REQUIRE(locations.size() == 1);  // code-scanning UIs show no result without one
    CHECK(locations[0]["physicalLocation"]["artifactLocation"]["uri"] == "cluster.yaml");
    CHECK(locations[0]["physicalLocation"]["region"]["startLine"] == (shop ? 1 : 5));
  }
  CHECK(namespaceFindings >= 4);  // no ResourceQuota, LimitRange, default deny
}

TEST_CASE("text, json and sarif: a workload's Pod Security finding is at the offending field and its line") {
  // privileged: true is line 17, the CronJob's hostNetwork line 29. Before, they pointed at the pod
  // templates (lines 10 and 26), with no line in text or JSON.
  const std::string yaml = namespace_("ns") +
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\nspec:\n"
      "  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n"
      "      containers:\n      - name: c\n        image: x\n        securityContext:\n          privileged: true\n---\n"
      "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj, namespace: ns}\nspec:\n  schedule: '* * * * *'\n"
      "  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n"
      "          hostNetwork: true\n          containers: [{name: c, image: x}]\n";
  auto a = auditYaml(yaml);
  const std::string privileged = "spec.template.spec.containers[0].securityContext.privileged";
  const std::string hostNetwork = "spec.jobTemplate.spec.template.spec.hostNetwork";
  auto json = nlohmann::json::parse(audit::formatJson(a.view, a.report));
  int seen = 0;
  for (const auto& f : json["findings"]) {
    if (f["check"] == "privileged" && f["name"] == "d") {
      ++seen;
      CHECK(f["field"] == privileged);
      CHECK(f["line"] == 17);
    }
    if (f["check"] == "hostNamespaces" && f["name"] == "cj") {
      ++seen;
      CHECK(f["field"] == hostNetwork);
      CHECK(f["line"] == 29);
    }
  }
  CHECK(seen == 2);
  auto sarif = nlohmann::json::parse(audit::formatSarif(a.view, a.report));
  seen = 0;
  for (const auto& r : sarif["runs"][0]["results"]) {
    const auto& region = r["locations"][0]["physicalLocation"]["region"];
    if (r["ruleId"] == "privileged") {
      ++seen;
      CHECK(region["startLine"] == 17);
    }
    if (r["ruleId"] == "hostNamespaces") {
      ++seen;
      CHECK(region["startLine"] == 29);
    }
  }
  CHECK(seen == 2);
  std::string text = audit::formatText(a.view, a.report);
  CHECK(text.find("at cluster.yaml:17 " + privileged + "\n") != std::string::npos);
  CHECK(text.find("at cluster.yaml:29 " + hostNetwork + "\n") != std::string::npos);
}
