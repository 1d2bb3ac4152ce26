// The audit's text, JSON and SARIF 2.1.0 reports.
#include <map>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "rbac/audit.h"
#include "rbac/audit_report.h"
#include "rbac_test_util.h"

using namespace rbactest;

TEST_CASE("audit reports: text, JSON and SARIF carry the path and chain") {
  auto ev = evaluatorOf(clusterGrant("exec", R"({verbs: [create], apiGroups: [""], resources: [pods/exec]})", "u"));
  auto findings = rbac::auditEscalationPaths(ev);
  REQUIRE(findings.size() == 1);
  auto text = rbac::formatAuditText(findings);
  CHECK(text.find("[high] User u (cluster-wide): exec or attach into pods") != std::string::npos);
  CHECK(text.find("via ClusterRoleBinding exec -> ClusterRole exec rule 0") != std::string::npos);
  auto json = nlohmann::json::parse(rbac::formatAuditJson(findings));
  CHECK(json[0]["id"] == "rbac.escalation.podExec");
  CHECK(json[0]["chain"][0]["binding"] == "ClusterRoleBinding exec");
  auto sarif = nlohmann::json::parse(rbac::formatAuditSarif(findings));
  CHECK(sarif["version"] == "2.1.0");
  CHECK(sarif["runs"][0]["results"][0]["ruleId"] == "rbac.escalation.podExec");
  CHECK(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "world.yaml");
  CHECK(sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "rbac.escalation.podExec");
}

TEST_CASE("an escalation finding as the findings core's Finding: id, severity, path, subject") {
  auto ev = evaluatorOf(clusterGrant("exec", R"({verbs: [create], apiGroups: [""], resources: [pods/exec]})", "u"));
  auto findings = rbac::auditEscalationPaths(ev);
  REQUIRE(findings.size() == 1);
  findings::Finding f = findings[0].toFinding();
  CHECK(f.check == "rbac.escalation.podExec");
  CHECK(f.level == "rbac");
  CHECK(f.message == findings[0].path);
  CHECK(f.severity == findings::Severity::High);
  CHECK(f.object.kind == "User");
  CHECK(f.object.name == "u");
  CHECK(f.object.namespace_.empty());
}

TEST_CASE("audit reports: levels by severity, an empty audit is valid output") {
  auto ev = evaluatorOf(clusterGrant("all", R"({verbs: ["*"], apiGroups: ["*"], resources: ["*"]})", "root") +
                        clusterGrant("ep", R"({verbs: [create], apiGroups: [""], resources: [endpoints]})", "net"));
  auto findings = rbac::auditEscalationPaths(ev);
  auto sarif = nlohmann::json::parse(rbac::formatAuditSarif(findings));
  std::map<std::string, std::string> levelById;
  for (const auto& r : sarif["runs"][0]["results"]) levelById[r["ruleId"]] = r["level"];
  CHECK(levelById["rbac.escalation.fullWildcard"] == "error");
  CHECK(levelById["rbac.escalation.endpointsWrite"] == "warning");
  CHECK(nlohmann::json::parse(rbac::formatAuditJson({})).empty());
  CHECK(nlohmann::json::parse(rbac::formatAuditSarif({}))["runs"][0]["results"].empty());
  CHECK(rbac::formatAuditText({}) == "0 escalation finding(s): 0 critical, 0 high, 0 medium, 0 low\n");
}
