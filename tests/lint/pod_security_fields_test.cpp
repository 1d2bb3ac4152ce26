// Findings point at the offending field, for every Pod Security check; values users get wrong are
// named; the catalog explains every id kguard can report.
#include <catch2/catch.hpp>

#include <algorithm>

#include "kube/manifest.h"
#include "findings/check_catalog.h"
#include "lint/linter.h"
#include "lint/report_format.h"
#include "netpol/lint.h"
#include "rbac/escalation_paths.h"
#include "rbac/guardrails.h"
#include "rules/image_signatures.h"
#include "rules/rule_registry.h"
#include "podsecurity/checks/default_checks.h"
#include "podsecurity/failure_fields.h"

using namespace lint;
using podsecurity::failedField;
using podsecurity::failureHint;

namespace {

// The typed pod of a Pod manifest, as lint decodes it.
kube::PodTemplate pod(const std::string& yaml) {
  return *kube::parseManifests("apiVersion: v1\nkind: Pod\n" + yaml, "p.yaml")[0].pod().get();
}

// check id -> `part` (field or message) of the finding, when linting `yaml` at `level`.
std::map<std::string, std::string> findingsOf(const std::string& yaml, const char* level, std::string Finding::*part) {
  auto manifests = kube::parseManifests(yaml, "in.yaml");
  LintOptions options;
  options.level = level;
  std::map<std::string, std::string> out;
  for (const auto& r : lintManifests(manifests, options).results) out[r.finding.check] = r.finding.*part;
  return out;
}

std::map<std::string, std::string> fields(const std::string& yaml, const char* level = "restricted") {
  return findingsOf(yaml, level, &Finding::field);
}

std::map<std::string, std::string> messages(const std::string& yaml, const char* level = "restricted") {
  return findingsOf(yaml, level, &Finding::message);
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST_CASE("each Pod Security check points at the field it failed on") {
  auto p = pod(
      "metadata: {name: p, annotations: {container.apparmor.security.beta.kubernetes.io/b: unconfined}}\n"
      "spec:\n"
      "  hostNetwork: false\n  hostIPC: true\n"
      "  securityContext: {runAsUser: 0, sysctls: [{name: kernel.msgmax, value: '1'}], seLinuxOptions: {user: u}}\n"
      "  volumes: [{name: a, emptyDir: {}}, {name: b, hostPath: {path: /}}, {name: c, nfs: {server: s, path: /}}]\n"
      "  containers:\n"
      "  - name: a\n"
      "    image: i\n"
      "    ports: [{containerPort: 80}, {containerPort: 81, hostPort: 81}]\n"
      "    securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN], drop: [ALL]}, procMount: Unmasked,\n"
      "                      allowPrivilegeEscalation: false, runAsNonRoot: false, seccompProfile: {type: Unconfined}}\n"
      "    livenessProbe: {httpGet: {host: example.com, port: 80}}\n"
      "  - name: b\n"
      "    image: i\n"
      "    securityContext: {windowsOptions: {hostProcess: true}}\n");
  CHECK(failedField("hostNamespaces", p) == "spec.hostIPC");
  CHECK(failedField("privileged", p) == "spec.containers[0].securityContext.privileged");
  CHECK(failedField("capabilities_baseline", p) == "spec.containers[0].securityContext.capabilities.add");
  CHECK(failedField("capabilities_restricted", p) == "spec.containers[0].securityContext.capabilities.add");
  CHECK(failedField("allowPrivilegeEscalation", p) == "spec.containers[1].securityContext");  // b leaves it unset
  CHECK(failedField("runAsNonRoot", p) == "spec.containers[0].securityContext.runAsNonRoot");
  CHECK(failedField("runAsUser", p) == "spec.securityContext.runAsUser");
  CHECK(failedField("seccompProfile_baseline", p) == "spec.containers[0].securityContext.seccompProfile.type");
  CHECK(failedField("seccompProfile_restricted", p) == "spec.containers[0].securityContext.seccompProfile");
  CHECK(failedField("procMount", p) == "spec.containers[0].securityContext.procMount");
  CHECK(failedField("procMount_restricted", p) == "spec.containers[0].securityContext.procMount");
  CHECK(failedField("seLinuxOptions", p) == "spec.securityContext.seLinuxOptions");
  CHECK(failedField("sysctls", p) == "spec.securityContext.sysctls");
  CHECK(failedField("hostPathVolumes", p) == "spec.volumes[1].hostPath");
  CHECK(failedField("restrictedVolumes", p) == "spec.volumes[1].hostPath");
  CHECK(failedField("hostPorts", p) == "spec.containers[0].ports[1].hostPort");
  CHECK(failedField("hostProbesAndHostLifecycle", p) == "spec.containers[0].livenessProbe.httpGet.host");
  CHECK(failedField("windowsHostProcess", p) == "spec.containers[1].securityContext.windowsOptions");
  CHECK(failedField("appArmorProfile", p) == "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/b\"]");
  CHECK(failedField("unknownCheck", p).empty());
}

TEST_CASE("a missing setting points at where it belongs") {
  auto bare = pod("metadata: {name: p}\nspec:\n  containers: [{name: a, image: i}]\n");
  CHECK(failedField("runAsNonRoot", bare) == "spec.containers[0]");
  CHECK(failedField("capabilities_restricted", bare) == "spec.containers[0]");
  auto withContext = pod("metadata: {name: p}\nspec:\n  containers: [{name: a, image: i, securityContext: {capabilities: {add: [NET_BIND_SERVICE]}}}]\n");
  CHECK(failedField("capabilities_restricted", withContext) == "spec.containers[0].securityContext.capabilities");
  // The pod-level setting satisfies every container: nothing to point at.
  auto podLevel = pod("metadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: a, image: i}]\n");
  CHECK(failedField("runAsNonRoot", podLevel).empty());
  CHECK(failedField("seccompProfile_restricted", podLevel).empty());
}

// Written before the field paths were taken from the typed Pod instead of the JSON tree, to pin what
// lint reports where the conformance data has no case: written-but-empty lists, null fields, init and
// ephemeral containers, several volume sources, container-only fields in the pod's securityContext.
TEST_CASE("lint field paths and hints of the less common spellings") {
  const std::string head = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n";
  // `drop: []` written is where ALL belongs; an init container comes first; `add: []` is still the
  // first `add` written (the baseline finding points at it).
  auto f = fields(head +
                  "  initContainers: [{name: i, image: i, securityContext: {capabilities: {drop: []}}}]\n"
                  "  containers:\n"
                  "  - {name: a, image: i, securityContext: {capabilities: {add: [], drop: [ALL]}, allowPrivilegeEscalation: false}}\n"
                  "  - {name: b, image: i, securityContext: {capabilities: {add: [SYS_ADMIN], drop: [ALL]}, allowPrivilegeEscalation: false}}\n");
  CHECK(f["capabilities_restricted"] == "spec.initContainers[0].securityContext.capabilities.drop");
  CHECK(f["allowPrivilegeEscalation"] == "spec.initContainers[0].securityContext");
  CHECK(fields(head +
               "  containers:\n"
               "  - {name: a, image: i, securityContext: {capabilities: {add: []}}}\n"
               "  - {name: b, image: i, securityContext: {capabilities: {add: [SYS_ADMIN]}}}\n",
               "baseline")["capabilities_baseline"] == "spec.containers[0].securityContext.capabilities.add");
  f = fields(head +
             "  containers:\n"
             "  - {name: a, image: i, securityContext: {capabilities: {drop: [ALL], add: []}, allowPrivilegeEscalation: false}}\n"
             "  - {name: b, image: i, securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, CHOWN]}}}\n");
  CHECK(f["capabilities_restricted"] == "spec.containers[1].securityContext.capabilities.add");
  CHECK(f["allowPrivilegeEscalation"] == "spec.containers[1].securityContext");
  // Null reads as unset; ephemeral containers come last.
  f = fields(head +
             "  securityContext: {runAsNonRoot: false, sysctls: [{name: kernel.msgmax, value: '1'}], windowsOptions: {hostProcess: true}}\n"
             "  containers: [{name: a, image: i, securityContext: null, ports: [{containerPort: 1, hostPort: null}]}]\n"
             "  ephemeralContainers:\n"
             "  - {name: e, image: i, securityContext: {capabilities: null, seLinuxOptions: {type: container_t}},\n"
             "     ports: [{containerPort: 1}, {containerPort: 2, hostPort: 8080.0}],\n"
             "     lifecycle: {preStop: {tcpSocket: {host: h, port: 1}}}}\n"
             "  volumes: [{name: a, configMap: {name: c}}, {name: b, nfs: {server: s, path: /}, hostPath: {path: /}}]\n");
  CHECK(f["runAsNonRoot"] == "spec.securityContext.runAsNonRoot");
  CHECK(f["capabilities_restricted"] == "spec.containers[0]");
  CHECK(f["seccompProfile_restricted"] == "spec.containers[0]");
  CHECK(f["sysctls"] == "spec.securityContext.sysctls");
  CHECK(f["windowsHostProcess"] == "spec.securityContext.windowsOptions");
  CHECK(f["hostPorts"] == "spec.ephemeralContainers[0].ports[1].hostPort");
  CHECK(f["hostProbesAndHostLifecycle"] == "spec.ephemeralContainers[0].lifecycle.preStop.tcpSocket.host");
  CHECK(f["restrictedVolumes"] == "spec.volumes[1].hostPath");
  CHECK(fields(head + "  containers: [{name: a, image: i}]\n"
                      "  volumes: [{name: a, configMap: {name: c}}, {name: b, nfs: {server: s, path: /}, hostPath: {path: /}}]\n",
               "baseline")["hostPathVolumes"] == "spec.volumes[1].hostPath");
  // The first seLinuxOptions written, though another container's is the one that fails.
  f = fields(head +
             "  containers:\n"
             "  - {name: a, image: i, securityContext: {seLinuxOptions: {type: container_t}}}\n"
             "  - {name: b, image: i, securityContext: {seLinuxOptions: {type: spc_t}, procMount: Unmasked}}\n"
             "  - {name: c, image: i, securityContext: {runAsUser: 0, seccompProfile: {type: Unconfined}}}\n");
  CHECK(f["seLinuxOptions"] == "spec.containers[0].securityContext.seLinuxOptions");
  CHECK(f["procMount_restricted"] == "spec.containers[1].securityContext.procMount");
  CHECK(f["runAsUser"] == "spec.containers[2].securityContext.runAsUser");
  CHECK(f["seccompProfile_restricted"] == "spec.containers[2].securityContext.seccompProfile");
  f = fields(head +
             "  containers:\n"
             "  - {name: a, image: i, securityContext: {seLinuxOptions: {type: container_t}}}\n"
             "  - {name: b, image: i, securityContext: {seLinuxOptions: {type: spc_t}, procMount: Unmasked}}\n"
             "  - {name: c, image: i, securityContext: {seccompProfile: {type: Unconfined}}}\n",
             "baseline");
  CHECK(f["procMount"] == "spec.containers[1].securityContext.procMount");
  CHECK(f["seccompProfile_baseline"] == "spec.containers[2].securityContext.seccompProfile.type");
  // The legacy seccomp annotation, when no securityContext field is Unconfined.
  f = fields("apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}}\n"
             "spec:\n  containers: [{name: a, image: i}]\n");
  CHECK(f.count("seccompProfile_baseline") == 0);  // upstream no longer reads the annotation
  // Container-only fields written in the pod's securityContext, whatever their value, are named in the hint.
  const std::string ignored = " (it is ignored); set it in each container's securityContext";
  auto m = messages(head +
                    "  securityContext: {privileged: 'yes', procMount: 5, allowPrivilegeEscalation: null, capabilities: [x]}\n"
                    "  containers: [{name: a, image: i, securityContext: {privileged: true, procMount: Unmasked}}]\n");
  CHECK(endsWith(m["privileged"], "; found spec.securityContext.privileged: the pod's securityContext has no privileged" + ignored));
  CHECK(endsWith(m["procMount_restricted"], "; found spec.securityContext.procMount: the pod's securityContext has no procMount" + ignored));
  CHECK(endsWith(m["capabilities_restricted"],
                 "; found spec.securityContext.capabilities: the pod's securityContext has no capabilities" + ignored));
  CHECK(m["allowPrivilegeEscalation"].find("; found") == std::string::npos);  // null is not written
  // A case hint wins over the pod-level one, and names the container.
  m = messages(head +
               "  securityContext: {capabilities: {drop: [ALL]}}\n"
               "  containers: [{name: a, image: i}, {name: b, image: i, securityContext: {capabilities: {drop: [ALL], add: [net_raw]}}}]\n");
  CHECK(endsWith(m["capabilities_restricted"],
                 "; found add: [net_raw] in container \"b\": capability names are case-sensitive, expected \"NET_RAW\""));
  m = messages(head + "  containers: [{name: a, image: i}, {name: b, image: i, securityContext: {capabilities: {add: [net_raw]}}}]\n",
               "baseline");
  CHECK(endsWith(m["capabilities_baseline"],
                 "; found add: [net_raw] in container \"b\": capability names are case-sensitive, expected \"NET_RAW\""));
}

// What the checks forbid, not only "Unconfined", is pointed at; the seccomp annotations only where the
// policy version reads them (before v1.19), an image volume never (restricted allows it).
TEST_CASE("lint points at the annotation or field the check read at the policy version") {
  auto p = pod("metadata:\n  name: p\n  annotations:\n"
               "    seccomp.security.alpha.kubernetes.io/pod: unconfined\n"
               "    container.apparmor.security.beta.kubernetes.io/a: runtime/unknown\n"
               "spec:\n  containers:\n"
               "  - {name: a, image: i, securityContext: {seccompProfile: {type: Unconfined}}}\n"
               "  volumes: [{name: img, image: {reference: 'i:1'}}, {name: share, nfs: {server: s, path: /}}]\n");
  CHECK(failedField("seccompProfile_baseline", p, podsecurity::Version::v1(18)) ==
        "metadata.annotations[\"seccomp.security.alpha.kubernetes.io/pod\"]");
  CHECK(failedField("seccompProfile_baseline", p, podsecurity::Version::v1(19)) ==
        "spec.containers[0].securityContext.seccompProfile.type");
  CHECK(failedField("appArmorProfile", p) == "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/a\"]");
  CHECK(failedField("restrictedVolumes", p) == "spec.volumes[1].nfs");
  // A container annotation is read by the container's name, with any value but the allowed ones.
  auto byName = pod("metadata:\n  name: p\n  annotations:\n"
                    "    container.seccomp.security.alpha.kubernetes.io/gone: unconfined\n"
                    "    container.seccomp.security.alpha.kubernetes.io/a: runtime/unknown\n"
                    "spec:\n  containers: [{name: a, image: i}]\n");
  CHECK(failedField("seccompProfile_baseline", byName, podsecurity::Version::v1(18)) ==
        "metadata.annotations[\"container.seccomp.security.alpha.kubernetes.io/a\"]");
  auto type = pod("metadata: {name: p}\nspec:\n  securityContext: {appArmorProfile: {type: unconfined}}\n"
                  "  containers: [{name: a, image: i}]\n");
  CHECK(failedField("appArmorProfile", type) == "spec.securityContext.appArmorProfile.type");
}

TEST_CASE("lint findings of workloads carry the template's field paths") {
  auto f = fields("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: n}\nspec:\n  jobTemplate:\n    spec:\n"
                  "      template:\n        spec:\n          hostPID: true\n          containers: [{name: a, image: i}]\n");
  CHECK(f["hostNamespaces"] == "spec.jobTemplate.spec.template.spec.hostPID");
  CHECK(f["runAsNonRoot"] == "spec.jobTemplate.spec.template.spec.containers[0]");
}

TEST_CASE("values that look right but are not are named") {
  auto lower = pod("metadata: {name: p}\nspec:\n  containers: [{name: web, image: i, securityContext: {capabilities: {drop: [all]}}}]\n");
  CHECK(failureHint("capabilities_restricted", lower) ==
        "found drop: [all] in container \"web\": capability names are case-sensitive, expected \"ALL\"");
  CHECK(failureHint("hostNamespaces", lower).empty());
  auto upper = pod("metadata: {name: p}\nspec:\n  containers: [{name: web, image: i, securityContext: {capabilities: {drop: [ALL]}}}]\n");
  CHECK(failureHint("capabilities_restricted", upper).empty());
  auto seccomp = pod("metadata: {name: p}\nspec:\n  securityContext: {seccompProfile: {type: runtimedefault}}\n  containers: [{name: web, image: i}]\n");
  CHECK(failureHint("seccompProfile_restricted", seccomp) ==
        "found spec.securityContext.seccompProfile.type: runtimedefault: values are case-sensitive, expected RuntimeDefault");
  // Container-only fields in the pod's securityContext do not exist there: Kubernetes ignores them.
  auto podLevel = pod("metadata: {name: p}\nspec:\n  securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n"
                      "  containers: [{name: web, image: i}]\n");
  CHECK(failureHint("allowPrivilegeEscalation", podLevel) ==
        "found spec.securityContext.allowPrivilegeEscalation: the pod's securityContext has no allowPrivilegeEscalation (it "
        "is ignored); set it in each container's securityContext");
  CHECK(failureHint("capabilities_restricted", podLevel).rfind("found spec.securityContext.capabilities: ", 0) == 0);
  CHECK(failureHint("runAsNonRoot", podLevel).empty());
}

TEST_CASE("SARIF and text point at the field's line and column") {
  auto manifests = kube::parseManifests("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: i}]\n"
                                        "  hostNetwork: true\n",
                                        "p.yaml");
  auto report = lintManifests(manifests, {});
  auto it = std::find_if(report.results.begin(), report.results.end(), [](const Result& r) { return r.finding.check == "hostNamespaces"; });
  REQUIRE(it != report.results.end());
  auto at = findingPosition(manifests[0], it->finding);
  CHECK(at.line == 6);
  CHECK(at.column == 3);
  CHECK(formatText(manifests, report).find("p.yaml:6: Pod p: hostNamespaces") != std::string::npos);
}

TEST_CASE("the catalog explains every id kguard lint and rbac audit can report") {
  std::vector<std::string> ids;
  for (const auto& c : podsecurity::checks::defaultChecks()) ids.push_back(c.id);
  for (const auto& r : rules::podRules()) ids.push_back(r.id);
  ids.push_back("kguard.storageClass");
  ids.push_back("podSecurity.invalidLabel");
  ids.push_back("rbac.invalid");
  ids.push_back(rules::kImageSignaturesRule);
  for (const auto& [rule, on] : rbac::GuardrailConfig{}.rules) ids.push_back(rule);
  for (const char* id : {"netpol.invalid", "netpol.cidrHostBits", "netpol.exceptOutsideCidr", "netpol.namedPortUndefined",
                         "netpol.podSelectorMatchesNothing", "netpol.podSelectorMatchesOnlyHostNetwork", "netpol.ipBlockCoversPods"})
    ids.push_back(id);
  for (const char* id : {"cnp.invalid", "cnp.ruleShadowed", "cnp.subjectMatchesNothing", "cnp.peersMatchNothing", "cnp.priorityTie"})
    ids.push_back(id);
  for (const auto& path : rbac::escalationPaths()) ids.push_back(path.id);
  ids.push_back("rbac.escalation.grantToEveryone");  // judged from bindings, not a path of the table
  ids.push_back("rbac.escalation.wildcardRule");
  // kguard audit's own checks (audit/*_checks.cpp; tests/audit checks that each one it emits is here).
  for (const char* id : {"audit.podNotIsolated", "audit.reachableFromAllNamespaces", "audit.ipBlockAnywhere",
                         "audit.namespaceWithoutDefaultDeny", "audit.namespaceWithoutResourceQuota",
                         "audit.namespaceWithoutLimitRange", "audit.secretInEnv", "audit.secretBeyondServiceAccount",
                         "audit.serviceAccountEscalation"})
    ids.push_back(id);
  for (const auto& id : ids) {
    INFO(id);
    const findings::CheckDescriptor* info = findings::findCheck(id);
    REQUIRE(info != nullptr);
    // ClusterNetworkPolicy is documented by SIG Network's network-policy-api site, not kubernetes.io.
    std::string docs = id.rfind("cnp.", 0) == 0 ? "https://network-policy-api.sigs.k8s.io/" : "https://kubernetes.io/docs/";
    CHECK(std::string(info->reference).rfind(docs, 0) == 0);
    CHECK(std::string(info->fix).size() > 10);
  }
  CHECK(findings::checkCatalog().size() == ids.size());  // and nothing it lists is gone
}
