// The Pod Security adoption path: labels as evaluated, pods running against their own enforce level,
// the highest level every pod passes and what the next one would refuse.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "audit_test_support.h"

using namespace audit_test;

namespace {
const std::string kRestrictedContainer =
    "    securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: {drop: [ALL]},"
    " seccompProfile: {type: RuntimeDefault}}\n";
}

TEST_CASE("a namespace enforcing baseline with a hostPID pod created before the label") {
  auto a = auditYaml(namespace_("legacy", "{pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/warn: restricted}") +
                     pod("legacy", "top", "  hostPID: true\n") + pod("legacy", "web", ""));
  const auto* ns = namespaceOf(a.report, "legacy");
  REQUIRE(ns);
  CHECK(ns->adoption.enforce == "baseline:latest");
  CHECK(ns->adoption.warn == "restricted:latest");
  CHECK(ns->adoption.audit == "privileged:latest");
  REQUIRE(ns->adoption.violatingEnforce.size() == 1);
  CHECK(ns->adoption.violatingEnforce[0].name == "top");
  CHECK(ns->adoption.violatingEnforce[0].reason == "violates PodSecurity \"baseline:latest\": host namespaces (hostPID=true)");
  CHECK(ns->adoption.highestPassingLevel == "privileged");
  REQUIRE(ns->adoption.nextLevel);
  CHECK(*ns->adoption.nextLevel == "baseline");
  REQUIRE(ns->adoption.refusedAtNextLevel.size() == 1);
  CHECK(ns->adoption.refusedAtNextLevel[0].kind == "Pod");
}

TEST_CASE("unlabelled namespaces get the --config's podSecurity.defaults, as its webhook applies them") {
  const std::string yaml = namespace_("plain") + pod("plain", "top", "  hostPID: true\n");
  auto unconfigured = auditYaml(yaml);
  const auto* privileged = namespaceOf(unconfigured.report, "plain");
  REQUIRE(privileged);
  CHECK(privileged->adoption.enforce == "privileged:latest");  // no configuration: upstream's default
  CHECK(privileged->adoption.violatingEnforce.empty());
  audit::AuditOptions options;
  options.config.podSecurityDefaults.enforce = "baseline";
  options.config.podSecurityDefaults.warn = "restricted";
  auto a = auditYaml(yaml, {}, options);
  const auto* ns = namespaceOf(a.report, "plain");
  REQUIRE(ns);
  CHECK(ns->adoption.enforce == "baseline:latest");
  CHECK(ns->adoption.warn == "restricted:latest");
  REQUIRE(ns->adoption.violatingEnforce.size() == 1);
  CHECK(ns->adoption.violatingEnforce[0].name == "top");
  options.config.podSecurityDefaults.enforce = "Baseline";
  CHECK_THROWS_AS(auditYaml(yaml, {}, options), kube::InputError);  // a configuration is refused, not defaulted
}

TEST_CASE("highest passing level at the labelled version; restricted refusals name each pod and why") {
  auto a = auditYaml(namespace_("apps", "{pod-security.kubernetes.io/enforce: privileged, pod-security.kubernetes.io/enforce-version: v1.24}") +
                     pod("apps", "web", "") + pod("apps", "good", "", "{app: good}", kRestrictedContainer));
  const auto* ns = namespaceOf(a.report, "apps");
  REQUIRE(ns);
  CHECK(ns->adoption.version == "v1.24");
  CHECK(ns->adoption.violatingEnforce.empty());
  CHECK(ns->adoption.highestPassingLevel == "baseline");
  REQUIRE(ns->adoption.nextLevel);
  CHECK(*ns->adoption.nextLevel == "restricted");
  REQUIRE(ns->adoption.refusedAtNextLevel.size() == 1);
  CHECK(ns->adoption.refusedAtNextLevel[0].name == "web");
  CHECK(ns->adoption.refusedAtNextLevel[0].reason.rfind("violates PodSecurity \"restricted:v1.24\": allowPrivilegeEscalation != false", 0) == 0);
}

TEST_CASE("a namespace whose pods all pass restricted can enforce it; an empty one too") {
  auto a = auditYaml(namespace_("strict") + pod("strict", "good", "", "{app: good}", kRestrictedContainer) + namespace_("empty"));
  for (const char* name : {"strict", "empty"}) {
    const auto* ns = namespaceOf(a.report, name);
    REQUIRE(ns);
    CHECK(ns->adoption.highestPassingLevel == "restricted");
    CHECK_FALSE(ns->adoption.nextLevel);
  }
}

TEST_CASE("workload templates count for the adoption path, by their own kind") {
  auto a = auditYaml(namespace_("w") + "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: w}\n"
                     "spec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n"
                     "    spec: {hostNetwork: true, containers: [{name: c, image: x}]}\n");
  const auto* ns = namespaceOf(a.report, "w");
  REQUIRE(ns);
  CHECK(ns->workloads == 1);
  CHECK(ns->pods == 0);
  REQUIRE(ns->adoption.refusedAtNextLevel.size() == 1);
  CHECK(ns->adoption.refusedAtNextLevel[0].kind == "DaemonSet");
  CHECK(findingsOf(a.report, "hostNamespaces", "DaemonSet", "w", "agent").size() == 1);
}

TEST_CASE("adoption: a Pod Security label upstream refuses is named, with the policy admission evaluates instead") {
  auto a = auditYaml(namespace_("odd", "{pod-security.kubernetes.io/enforce: Restricted, pod-security.kubernetes.io/warn-version: '1.25'}"));
  const auto* odd = namespaceOf(a.report, "odd");
  REQUIRE(odd);
  CHECK(odd->adoption.enforce == "restricted:latest");  // PolicyToEvaluate: an invalid level is restricted
  REQUIRE(odd->adoption.labelErrors.size() == 2);
  CHECK(odd->adoption.labelErrors[0] ==
        "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"Restricted\": must be one of privileged, baseline, restricted");
  CHECK(odd->adoption.labelErrors[1].find("pod-security.kubernetes.io/warn-version]: Invalid value: \"1.25\"") != std::string::npos);
  auto json = nlohmann::json::parse(audit::formatJson(a.view, a.report));
  CHECK(json["namespaces"][0]["labelErrors"].size() == 2);
  CHECK(audit::formatText(a.view, a.report).find("invalid label, admission evaluates the policy above: metadata.labels[pod-security.kubernetes.io/enforce]") != std::string::npos);
  CHECK(audit::formatHtml(a.view, a.report).find("invalid label: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: &quot;Restricted&quot;") != std::string::npos);
}
