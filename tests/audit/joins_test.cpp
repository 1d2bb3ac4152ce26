// The joins: a pod carries its service account's escalation paths; a host-isolation finding ranks by
// who can reach the pod.
#include <catch2/catch.hpp>

#include "audit_test_support.h"

using namespace audit_test;

namespace {

const std::string kClusterAdmin =
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cluster-admin}\n"
    "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n---\n";

std::string bindClusterAdmin(const std::string& ns, const std::string& sa) {
  return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: " + ns + "-" + sa + "}\n"
         "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
         "subjects: [{kind: ServiceAccount, name: " + sa + ", namespace: " + ns + "}]\n---\n";
}

std::string denyAll(const std::string& ns) {
  return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: " + ns + "}\n"
         "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n---\n";
}

}  // namespace

TEST_CASE("a pod running as a service account bound to cluster-admin carries the path in words") {
  auto a = auditYaml(namespace_("ops") + kClusterAdmin + bindClusterAdmin("ops", "deployer") +
                     pod("ops", "admin-pod", "  serviceAccountName: deployer\n") + pod("ops", "plain", ""));
  auto found = findingsOf(a.report, "audit.serviceAccountEscalation", "Pod", "ops", "admin-pod");
  REQUIRE(found.size() == 1);
  CHECK(findings::severityOf(found[0]) == findings::Severity::Critical);
  CHECK(found[0].message.rfind("runs as ServiceAccount ops/deployer, which can escalate:", 0) == 0);
  CHECK(found[0].message.find("every verb on every resource (wildcards) cluster-wide") != std::string::npos);
  CHECK(found[0].message.find("read secrets") != std::string::npos);
  CHECK(found[0].field == "spec.serviceAccountName");
  CHECK(found[0].severityReason.find("the most severe escalation path of its service account") != std::string::npos);
  // the pod that runs as `default` has no binding
  CHECK(findingsOf(a.report, "audit.serviceAccountEscalation", "Pod", "ops", "plain").empty());
  // the subject itself is reported with each path
  CHECK(findingsOf(a.report, "rbac.escalation.fullWildcard", "ServiceAccount", "ops", "deployer").size() == 1);
}

TEST_CASE("group bindings reach the pods of their service accounts; a pod without a token ranks lower") {
  auto a = auditYaml(namespace_("ci") + kClusterAdmin +
                     "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: all-sa, namespace: ci}\n"
                     "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
                     "subjects: [{kind: Group, name: 'system:serviceaccounts:ci', apiGroup: rbac.authorization.k8s.io}]\n---\n" +
                     pod("ci", "runner", "") + pod("ci", "tokenless", "  automountServiceAccountToken: false\n"));
  auto runner = findingsOf(a.report, "audit.serviceAccountEscalation", "Pod", "ci", "runner");
  REQUIRE(runner.size() == 1);
  CHECK(runner[0].message.find("in namespace ci") != std::string::npos);
  CHECK(runner[0].message.find("Group system:serviceaccounts:ci") != std::string::npos);
  auto tokenless = findingsOf(a.report, "audit.serviceAccountEscalation", "Pod", "ci", "tokenless");
  REQUIRE(tokenless.size() == 1);
  CHECK(static_cast<int>(findings::severityOf(tokenless[0])) == static_cast<int>(findings::severityOf(runner[0])) + 1);
  CHECK(tokenless[0].severityReason.find("does not mount its service-account token") != std::string::npos);
}

TEST_CASE("a host-namespace pod other namespaces can reach ranks above an isolated one") {
  auto a = auditYaml(namespace_("exposed") + namespace_("isolated") + namespace_("elsewhere") +
                     pod("exposed", "top", "  hostPID: true\n") + pod("isolated", "top", "  hostPID: true\n") +
                     denyAll("isolated") + pod("elsewhere", "client", ""));
  auto exposed = findingsOf(a.report, "hostNamespaces", "Pod", "exposed", "top");
  auto isolated = findingsOf(a.report, "hostNamespaces", "Pod", "isolated", "top");
  REQUIRE(exposed.size() == 1);
  REQUIRE(isolated.size() == 1);
  CHECK(findings::severityOf(exposed[0]) == findings::Severity::Critical);
  CHECK(findings::severityOf(isolated[0]) == findings::Severity::High);
  CHECK(exposed[0].severityReason ==
        "critical: high for hostNamespaces, raised because pods of other namespaces may connect to it (elsewhere)");
  CHECK(isolated[0].severityReason.find("not raised: no pod of another namespace may connect to it") != std::string::npos);
  // results are sorted most severe first
  for (size_t i = 1; i < a.report.results.size(); ++i)
    CHECK(findings::severityOf(a.report.results[i - 1].finding) <= findings::severityOf(a.report.results[i].finding));
}

TEST_CASE("an isolated privileged pod is not critical; a reachable one is") {
  const std::string privileged = "    securityContext: {privileged: true}\n";
  auto a = auditYaml(namespace_("a") + namespace_("b") + pod("c", "client", "") + pod("a", "p", "", "{app: x}", privileged) +
                     pod("b", "p", "", "{app: x}", privileged) + denyAll("b"));
  CHECK(findings::severityOf(findingsOf(a.report, "privileged", "Pod", "a", "p").at(0)) == findings::Severity::Critical);
  auto isolated = findingsOf(a.report, "privileged", "Pod", "b", "p").at(0);
  CHECK(findings::severityOf(isolated) == findings::Severity::High);
  CHECK(isolated.severityReason.find("lowered because no pod of another namespace may connect to it") != std::string::npos);
}
