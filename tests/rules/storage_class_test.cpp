#include <catch2/catch.hpp>

#include "kube/manifest.h"
#include "kube/volume_claims.h"
#include "rules/rule_registry.h"

using namespace rules;

namespace {

std::vector<findings::Finding> run(const std::string& yaml) {
  RulesConfig c;
  c.allowedStorageClasses = {"encrypted-ssd"};
  const auto m = kube::parseManifests(yaml, "t.yaml").at(0);
  return evaluateVolumeClaims(c, kube::volumeClaims(m.volumeClaims(), kube::DecodedPod::of(m.object)));
}

}  // namespace

TEST_CASE("kguard.storageClass covers PVCs, volumeClaimTemplates and ephemeral volumes") {
  CHECK(run("apiVersion: v1\nkind: PersistentVolumeClaim\nspec: {storageClassName: encrypted-ssd}").empty());
  auto plain = run("apiVersion: v1\nkind: PersistentVolumeClaim\nspec: {storageClassName: standard}");
  REQUIRE(plain.size() == 1);
  CHECK(plain[0].field == "spec.storageClassName");
  auto defaulted = run("apiVersion: v1\nkind: PersistentVolumeClaim\nspec: {}");
  REQUIRE(defaulted.size() == 1);
  CHECK(defaulted[0].message.find("cluster default") != std::string::npos);
  auto sts = run(
      "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  volumeClaimTemplates: [{spec: {storageClassName: encrypted-ssd}}, {spec: {}}]\n"
      "  template: {spec: {containers: [], volumes: [{name: e, ephemeral: {volumeClaimTemplate: {spec: {storageClassName: slow}}}}]}}");
  REQUIRE(sts.size() == 2);
  CHECK(sts[0].field == "spec.volumeClaimTemplates[1].spec.storageClassName");
  CHECK(sts[1].field == "spec.template.spec.volumes[0].ephemeral.volumeClaimTemplate.spec.storageClassName");
  CHECK(run("apiVersion: v1\nkind: ConfigMap\ndata: {}").empty());
}

TEST_CASE("an ephemeral claim spec that does not decode fails the claims, not the pod") {
  const auto object = kube::parseManifests(
                          "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers: []\n"
                          "      volumes: [{name: a, ephemeral: {volumeClaimTemplate: {spec: {}}}},\n"
                          "                {name: b, ephemeral: {volumeClaimTemplate: {spec: {storageClassName: 7}}}}]",
                          "t.yaml")
                          .at(0)
                          .object;
  const auto pod = kube::DecodedPod::of(object);
  REQUIRE(pod.get() != nullptr);  // Pod Security still judges the pod
  CHECK(pod.path() == "spec.template");
  try {
    kube::volumeClaims(kube::decodeObjectVolumeClaims(object), pod);
    FAIL("expected a DecodeError");
  } catch (const kube::DecodeError& e) {
    CHECK(e.path() == "spec.template.spec.volumes[1].ephemeral.volumeClaimTemplate.spec.storageClassName");
    CHECK(e.problem() == "expected a string, got an integer");
  }
}

TEST_CASE("a manifest's own claims are decoded when it is read; their error comes before its pod's") {
  const auto m = kube::parseManifests(
                     "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  volumeClaimTemplates: [{spec: {storageClassName: [x]}}]\n"
                     "  template: {spec: {containers: [{name: c, image: i}],\n"
                     "    volumes: [{name: b, ephemeral: {volumeClaimTemplate: {spec: {storageClassName: 7}}}}]}}",
                     "t.yaml")
                     .at(0);
  REQUIRE(m.pod().get() != nullptr);  // the claims' errors are not the pod's
  try {
    kube::volumeClaims(m.volumeClaims(), m.pod());
    FAIL("expected a DecodeError");
  } catch (const kube::DecodeError& e) {
    CHECK(e.path() == "spec.volumeClaimTemplates[0].spec.storageClassName");
  }
  const auto pvc = kube::parseManifests("apiVersion: v1\nkind: PersistentVolumeClaim\nspec: {storageClassName: fast}", "t.yaml").at(0);
  REQUIRE(pvc.volumeClaims().get()->size() == 1);
  CHECK(pvc.volumeClaims().get()->at(0).storageClassName == std::optional<std::string>("fast"));
  CHECK(kube::parseManifests("apiVersion: v1\nkind: ConfigMap", "t.yaml").at(0).volumeClaims().get()->empty());
}

TEST_CASE("kguard.storageClass: the beta annotation decides the class over storageClassName, as the PV controller reads it") {
  // The annotation names a class outside the allow-list: spec.storageClassName does not make it allowed.
  auto overridden = run(
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  annotations: {volume.beta.kubernetes.io/storage-class: standard}\n"
      "spec: {storageClassName: encrypted-ssd}");
  REQUIRE(overridden.size() == 1);
  CHECK(overridden[0].field == "metadata.annotations[\"volume.beta.kubernetes.io/storage-class\"]");
  CHECK(overridden[0].message.find("got \"standard\"") != std::string::npos);
  // An allowed class in the annotation alone is not the cluster default.
  CHECK(run("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  annotations: {volume.beta.kubernetes.io/storage-class: encrypted-ssd}\n"
            "spec: {}")
            .empty());
  // Likewise per StatefulSet volumeClaimTemplate, each by its own metadata.
  auto sts = run(
      "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  volumeClaimTemplates:\n"
      "  - {metadata: {annotations: {volume.beta.kubernetes.io/storage-class: encrypted-ssd}}, spec: {}}\n"
      "  - {metadata: {annotations: {volume.beta.kubernetes.io/storage-class: slow}}, spec: {storageClassName: encrypted-ssd}}\n"
      "  template: {spec: {containers: []}}");
  REQUIRE(sts.size() == 1);
  CHECK(sts[0].field == "spec.volumeClaimTemplates[1].metadata.annotations[\"volume.beta.kubernetes.io/storage-class\"]");
}

TEST_CASE("kguard.storageClass: an ephemeral volume's claim template is judged by its beta annotation too") {
  auto found = run(
      "apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n  volumes:\n"
      "  - {name: a, ephemeral: {volumeClaimTemplate: {metadata: {annotations: {volume.beta.kubernetes.io/storage-class: slow}},"
      " spec: {storageClassName: encrypted-ssd}}}}\n"
      "  - {name: b, ephemeral: {volumeClaimTemplate: {metadata: {annotations: {volume.beta.kubernetes.io/storage-class: encrypted-ssd}},"
      " spec: {}}}}");
  REQUIRE(found.size() == 1);
  CHECK(found[0].field == "spec.volumes[0].ephemeral.volumeClaimTemplate.metadata.annotations[\"volume.beta.kubernetes.io/storage-class\"]");
  CHECK(found[0].message.find("got \"slow\"") != std::string::npos);
}
