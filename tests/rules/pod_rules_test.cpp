#include <catch2/catch.hpp>

#include "rule_test_support.h"
#include "rules/rule_registry.h"

using namespace rules;

namespace {

std::vector<findings::Finding> run(PodRuleFn fn, const RulesConfig& config, const std::string& yaml,
                               const kube::StringMap* nsLabels = nullptr) {
  auto pod = podFromYaml(yaml);
  return fn(config, {pod, nsLabels});
}

}  // namespace

TEST_CASE("every rule is off without configuration") {
  auto pod = podFromYaml(podWithImage("nginx"));
  kube::StringMap labels{{"kguard.io/isolation", "sandboxed"}};
  CHECK(evaluatePodRules(RulesConfig{}, {pod, &labels}).empty());
  CHECK(evaluateVolumeClaims(RulesConfig{}, {{"spec", std::nullopt}}).empty());
  CHECK_FALSE(RulesConfig{}.anyEnabled());
  RulesConfig one;
  one.requireReadOnlyRootFilesystem = true;
  CHECK(one.anyEnabled());
}

TEST_CASE("kguard.allowedRegistries") {
  RulesConfig c;
  c.allowedRegistries = {"registry.example.com", "ghcr.io/acme/"};
  CHECK(run(checkAllowedRegistries, c, podWithImage("registry.example.com/team/app:1")).empty());
  CHECK(run(checkAllowedRegistries, c, podWithImage("ghcr.io/acme/app@sha256:00")).empty());
  auto evil = run(checkAllowedRegistries, c, podWithImage("ghcr.io/acmeevil/app:1"));
  REQUIRE(evil.size() == 1);
  CHECK(evil[0].check == "kguard.allowedRegistries");
  CHECK(evil[0].field == "spec.containers[0].image");
  // "nginx" is docker.io/library/nginx: not allowed by a list without docker.io.
  CHECK(run(checkAllowedRegistries, c, podWithImage("nginx")).size() == 1);
  // init and ephemeral containers are checked too
  auto init = run(checkAllowedRegistries, c,
                  "apiVersion: v1\nkind: Pod\nspec: {initContainers: [{name: i, image: evil.io/x}], "
                  "containers: [{name: a, image: registry.example.com/a}], ephemeralContainers: [{name: e, image: busybox}]}");
  REQUIRE(init.size() == 2);
  CHECK(init[0].field == "spec.initContainers[0].image");
  CHECK(init[1].field == "spec.ephemeralContainers[0].image");
}

TEST_CASE("kguard.imageDigest and kguard.imageLatestTag") {
  RulesConfig c;
  c.requireImageDigest = true;
  c.disallowLatestTag = true;
  CHECK(run(checkImageDigest, c, podWithImage("nginx@sha256:0123")).empty());
  CHECK(run(checkImageDigest, c, podWithImage("nginx:1.25")).size() == 1);
  CHECK(run(checkLatestTag, c, podWithImage("nginx:1.25")).empty());
  CHECK(run(checkLatestTag, c, podWithImage("nginx:latest")).size() == 1);
  auto untagged = run(checkLatestTag, c, podWithImage("nginx"));
  REQUIRE(untagged.size() == 1);
  CHECK(untagged[0].message.find("has no tag") != std::string::npos);
  CHECK(run(checkLatestTag, c, podWithImage("localhost:5000/app")).size() == 1);  // port is not a tag
  CHECK(run(checkLatestTag, c, podWithImage("nginx:latest@sha256:00")).empty());  // pinned anyway
}

TEST_CASE("kguard.resourceLimits") {
  RulesConfig c;
  c.requiredLimits = {"cpu", "memory"};
  auto both = "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, image: x, resources: {limits: {cpu: 500m, memory: 1Gi}}}]}";
  CHECK(run(checkResourceLimits, c, both).empty());
  auto cpuOnly = run(checkResourceLimits, c,
                     "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, image: x, resources: {limits: {cpu: 1}, requests: {memory: 1Gi}}}]}");
  REQUIRE(cpuOnly.size() == 1);
  CHECK(cpuOnly[0].message == "container \"a\" must set resources.limits for memory");
  // requests are not limits; init containers count; ephemeral containers cannot have resources
  auto pod = "apiVersion: v1\nkind: Pod\nspec: {initContainers: [{name: i, image: x}], containers: [{name: a, image: x, "
             "resources: {limits: {cpu: 1, memory: 1Gi}}}], ephemeralContainers: [{name: e, image: x}]}";
  auto found = run(checkResourceLimits, c, pod);
  REQUIRE(found.size() == 1);
  CHECK(found[0].field == "spec.initContainers[0].resources");
  // only the exact resource name counts: prefixes, longer names, other case and neighbours in key order
  auto near = run(checkResourceLimits, c,
                  "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, image: x, resources: {limits: {cp: 1, cpux: 1, CPU: 1, "
                  "ephemeral-storage: 1Gi, memor: 1, memoryy: 1, nvidia.com/gpu: 1}}}]}");
  REQUIRE(near.size() == 1);
  CHECK(near[0].message == "container \"a\" must set resources.limits for cpu, memory");
  auto among = run(checkResourceLimits, c,
                   "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, image: x, resources: {limits: {cpux: 1, "
                   "ephemeral-storage: 1Gi, memory: 2Gi, cpu: 1, a: 1}}}]}");
  CHECK(among.empty());
  // A zero limit is no limit (the kubelet sets no CPU quota or memory limit for it), in any spelling.
  auto zero = run(checkResourceLimits, c,
                  "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, image: x, resources: {limits: {cpu: \"0m\", memory: 0}}},"
                  " {name: b, image: x, resources: {limits: {cpu: \"0.0\", memory: 0Gi}}},"
                  " {name: c, image: x, resources: {limits: {cpu: 10m, memory: 100Mi}}}]}");
  REQUIRE(zero.size() == 2);
  CHECK(zero[0].message == "container \"a\" must set resources.limits for cpu (0 is no limit), memory (0 is no limit)");
  CHECK(zero[1].field == "spec.containers[1].resources");
}

TEST_CASE("kguard.sandboxedRuntime") {
  RulesConfig c;
  c.sandboxedRuntime = SandboxedRuntimeConfig{{{"kguard.io/isolation", "sandboxed"}}, {"kata", "stratovirt"}};
  kube::StringMap sandboxed{{"kguard.io/isolation", "sandboxed"}, {"team", "a"}};
  kube::StringMap ordinary{{"team", "a"}};
  auto plain = podWithImage("x");
  auto kata = "apiVersion: v1\nkind: Pod\nspec: {runtimeClassName: kata, containers: [{name: a, image: x}]}";
  auto runc = "apiVersion: v1\nkind: Pod\nspec: {runtimeClassName: runc, containers: [{name: a, image: x}]}";
  CHECK(run(checkSandboxedRuntime, c, kata, &sandboxed).empty());
  CHECK(run(checkSandboxedRuntime, c, plain, &ordinary).empty());
  CHECK(run(checkSandboxedRuntime, c, plain, nullptr).empty());  // namespace unknown
  auto none = run(checkSandboxedRuntime, c, plain, &sandboxed);
  REQUIRE(none.size() == 1);
  CHECK(none[0].message == "namespace requires a sandboxed runtime: runtimeClassName must be one of [kata, stratovirt], got none");
  CHECK(run(checkSandboxedRuntime, c, runc, &sandboxed).size() == 1);
}

TEST_CASE("kguard.automountServiceAccountToken") {
  RulesConfig c;
  c.requireNoServiceAccountToken = true;
  CHECK(run(checkServiceAccountToken, c, podWithImage("x")).size() == 1);  // unset means mounted
  CHECK(run(checkServiceAccountToken, c,
            "apiVersion: v1\nkind: Pod\nspec: {automountServiceAccountToken: true, containers: [{name: c, image: i}]}").size() == 1);
  CHECK(run(checkServiceAccountToken, c,
            "apiVersion: v1\nkind: Pod\nspec: {automountServiceAccountToken: false, containers: [{name: c, image: i}]}").empty());
  CHECK(run(checkServiceAccountToken, c,
            "apiVersion: v1\nkind: Pod\nmetadata: {annotations: {kguard.io/needs-api-access: \"true\"}}\nspec: {containers: [{name: c, image: i}]}")
            .empty());
}

// The ServiceAccount admission plugin's decision (shouldAutomount): the pod's field when set, else the
// account's, else mounted.
TEST_CASE("kguard.automountServiceAccountToken follows the pod's ServiceAccount") {
  RulesConfig c;
  c.requireNoServiceAccountToken = true;
  auto unset = podFromYaml(podWithImage("x"));
  auto podTrue = podFromYaml("apiVersion: v1\nkind: Pod\nspec: {automountServiceAccountToken: true, containers: [{name: c, image: i}]}");
  auto podFalse = podFromYaml("apiVersion: v1\nkind: Pod\nspec: {automountServiceAccountToken: false, containers: [{name: c, image: i}]}");
  const std::optional<bool> accountFalse = false, accountTrue = true, accountUnset;
  CHECK(checkServiceAccountToken(c, {unset, nullptr, &accountFalse}).empty());
  CHECK(checkServiceAccountToken(c, {unset, nullptr, &accountTrue}).size() == 1);
  CHECK(checkServiceAccountToken(c, {unset, nullptr, &accountUnset}).size() == 1);
  CHECK(checkServiceAccountToken(c, {podTrue, nullptr, &accountFalse}).size() == 1);  // the pod's field wins
  CHECK(checkServiceAccountToken(c, {podFalse, nullptr, &accountTrue}).empty());
  // evaluatePodRules hands the account on to the rule.
  CHECK(evaluatePodRules(c, {unset, nullptr, &accountFalse}).empty());
}

// In the webhook a Pod has been through the ServiceAccount admission plugin, which mounts the token at
// /var/run/secrets/kubernetes.io/serviceaccount in every container when it mounts it at all.
TEST_CASE("kguard.automountServiceAccountToken after ServiceAccount admission") {
  RulesConfig c;
  c.requireNoServiceAccountToken = true;
  auto plain = podFromYaml(podWithImage("x"));
  auto mounted = podFromYaml(
      "apiVersion: v1\nkind: Pod\nspec: {initContainers: [{name: i, image: i, volumeMounts: [{name: t, mountPath: "
      "/var/run/secrets/kubernetes.io/serviceaccount}]}], containers: [{name: c, image: i, volumeMounts: [{name: d, mountPath: /data}]}]}");
  auto elsewhere = podFromYaml(
      "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: i, volumeMounts: [{name: t, mountPath: "
      "/var/run/secrets/kubernetes.io/serviceaccount/}]}]}");
  auto forced = podFromYaml("apiVersion: v1\nkind: Pod\nspec: {automountServiceAccountToken: true, containers: [{name: c, image: i}]}");
  CHECK(checkServiceAccountToken(c, {plain, nullptr, nullptr, true}).empty());
  CHECK(checkServiceAccountToken(c, {mounted, nullptr, nullptr, true}).size() == 1);
  CHECK(checkServiceAccountToken(c, {elsewhere, nullptr, nullptr, true}).empty());  // the plugin compares paths exactly
  CHECK(checkServiceAccountToken(c, {forced, nullptr, nullptr, true}).size() == 1);
  // Offline (lint, audit) the mounts say nothing: no admission plugin has run.
  CHECK(checkServiceAccountToken(c, {plain, nullptr}).size() == 1);
  CHECK(evaluatePodRules(c, {plain, nullptr, nullptr, true}).empty());
}

TEST_CASE("kguard.readOnlyRootFilesystem") {
  RulesConfig c;
  c.requireReadOnlyRootFilesystem = true;
  CHECK(run(checkReadOnlyRootFilesystem, c,
            "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, image: x, securityContext: {readOnlyRootFilesystem: true}}]}")
            .empty());
  CHECK(run(checkReadOnlyRootFilesystem, c,
            "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, image: x, securityContext: {readOnlyRootFilesystem: false}}]}")
            .size() == 1);
  CHECK(run(checkReadOnlyRootFilesystem, c, podWithImage("x")).size() == 1);
}
