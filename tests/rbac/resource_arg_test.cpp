// RESOURCE[.GROUP][/SUBRESOURCE] as kubectl auth can-i resolves it.
#include <catch2/catch.hpp>

#include "rbac/resource_arg.h"

using rbac::parseResourceArg;

TEST_CASE("resource arguments resolve to group and resource like kubectl's REST mapper") {
  auto d = parseResourceArg("deployments");
  CHECK(d.apiGroup == "apps");
  CHECK(d.resource == "deployments");
  CHECK(parseResourceArg("deploy").resource == "deployments");
  CHECK(parseResourceArg("Pods").resource == "pods");
  CHECK(parseResourceArg("po").apiGroup == "");
  auto scale = parseResourceArg("deployments.apps/scale");
  CHECK(scale.apiGroup == "apps");
  CHECK(scale.subresource == "scale");
  CHECK(parseResourceArg("pods/exec").subresource == "exec");
  CHECK_FALSE(parseResourceArg("nodes").namespaced);
  CHECK(parseResourceArg("secrets").namespaced);
}

TEST_CASE("unknown resources keep their group; without one they are used as written") {
  auto crd = parseResourceArg("widgets.example.com");
  CHECK(crd.resource == "widgets");
  CHECK(crd.apiGroup == "example.com");
  CHECK(crd.known);
  auto unknown = parseResourceArg("widgets");
  CHECK(unknown.resource == "widgets");
  CHECK(unknown.apiGroup == "");
  CHECK_FALSE(unknown.known);
  CHECK(parseResourceArg("*").resource == "*");
  // A built-in group that does not serve the resource is not silently replaced: as kubectl, a warning and
  // the argument as written in the core group.
  auto ext = parseResourceArg("deployments.extensions", 20);
  CHECK(ext.resource == "deployments.extensions");
  CHECK(ext.apiGroup == "");
  CHECK(ext.warning == "the server doesn't have a resource type 'deployments' in group 'extensions'");
  CHECK(ext.hint == "asking, as kubectl does, for resource 'deployments.extensions' in the core group; "
                    "Kubernetes 1.20 serves deployments in apps (v1)");
  // extensions served ingresses until 1.22; "ingresses" alone is networking.k8s.io's, "events" the core group's.
  CHECK(parseResourceArg("ingresses.extensions", 21).apiGroup == "extensions");
  CHECK(parseResourceArg("ingresses.extensions", 22).resource == "ingresses.extensions");
  CHECK(parseResourceArg("ingresses", 20).apiGroup == "networking.k8s.io");
  CHECK(parseResourceArg("events").apiGroup == "");
  CHECK(parseResourceArg("events.v1.events.k8s.io").apiGroup == "events.k8s.io");
  // "*.apps": kubectl's REST mapper has no resource "*" (only a bare "*" passes through).
  CHECK(parseResourceArg("*.apps").resource == "*.apps");
}

// kubectl auth can-i's resourceFor: schema.ParseResourceArg tries RESOURCE.VERSION.GROUP when the argument
// has two dots, then RESOURCE.GROUP at the first dot; a group the server does not have gets a warning and
// the argument as written is asked as a core-group resource (staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go).
TEST_CASE("RESOURCE.VERSION.GROUP resolves as kubectl's ParseResourceArg; pods.v1 is no group v1") {
  auto apps = parseResourceArg("deployments.v1.apps");
  CHECK(apps.apiGroup == "apps");
  CHECK(apps.resource == "deployments");
  CHECK(apps.builtIn);
  CHECK(apps.warning.empty());
  auto core = parseResourceArg("pods.v1.");  // the core group, explicitly
  CHECK(core.apiGroup == "");
  CHECK(core.resource == "pods");
  CHECK(core.builtIn);
  auto ingress = parseResourceArg("ing.v1.networking.k8s.io/status");
  CHECK(ingress.apiGroup == "networking.k8s.io");
  CHECK(ingress.resource == "ingresses");
  CHECK(ingress.subresource == "status");
  // A version the server does not serve (apps/v1beta2 went in 1.16; pods.v2.): neither reading resolves.
  auto beta = parseResourceArg("deployments.v1beta2.apps", 20);
  CHECK(beta.resource == "deployments.v1beta2.apps");
  CHECK(beta.apiGroup == "");
  CHECK(beta.warning == "the server doesn't have a resource type 'deployments' in group 'v1beta2.apps'");
  CHECK(parseResourceArg("pods.v2.").resource == "pods.v2.");
  CHECK(parseResourceArg("pods.v1.apps").warning == "the server doesn't have a resource type 'pods' in group 'v1.apps'");
  // Versions by release: batch/v1beta1 CronJobs until 1.25, batch/v1 from 1.21.
  CHECK(parseResourceArg("cronjobs.v1beta1.batch", 24).apiGroup == "batch");
  CHECK_FALSE(parseResourceArg("cronjobs.v1beta1.batch", 25).warning.empty());
  CHECK_FALSE(parseResourceArg("cronjobs.v1.batch", 20).warning.empty());
  CHECK(parseResourceArg("cronjobs.v1.batch", 21).apiGroup == "batch");
  CHECK(parseResourceArg("flowschemas.v1beta3.flowcontrol.apiserver.k8s.io", 31).builtIn);
  CHECK_FALSE(parseResourceArg("flowschemas.v1beta3.flowcontrol.apiserver.k8s.io", 32).builtIn);
  // A custom resource's group (dotted, not built-in) is assumed to serve the version asked.
  auto crd = parseResourceArg("widgets.v1.example.com");
  CHECK(crd.apiGroup == "example.com");
  CHECK(crd.resource == "widgets");
  CHECK(crd.warning.empty());
  // Not a version: RESOURCE.GROUP at the first dot (a CRD's group has dots).
  CHECK(parseResourceArg("widgets.stable.example.com").apiGroup == "stable.example.com");

  // pods.v1: kubectl finds no resource pods in group v1, warns, and asks for resource "pods.v1" in the
  // core group, which only rules for "*" resources (or "pods.v1") allow.
  auto v1 = parseResourceArg("pods.v1");
  CHECK(v1.apiGroup == "");
  CHECK(v1.resource == "pods.v1");
  CHECK_FALSE(v1.builtIn);
  CHECK(v1.warning == "the server doesn't have a resource type 'pods' in group 'v1'");
  CHECK(parseResourceArg("Pods.V1").resource == "Pods.V1");  // as written, as kubectl sends it
  CHECK(parseResourceArg("deployments.v1/scale").subresource == "scale");
  // A built-in group's own resource.
  CHECK(parseResourceArg("cronjobs.batch").apiGroup == "batch");
}

TEST_CASE("resources added as GA after 1.20 resolve from their release on, with their scope") {
  // who-can delete validatingadmissionpolicybindings was asked in namespace default with "not a built-in
  // resource; using the core group": the binding resource is cluster-scoped (GA v1 in 1.30).
  auto vapb = parseResourceArg("validatingadmissionpolicybindings");
  CHECK(vapb.apiGroup == "admissionregistration.k8s.io");
  CHECK(vapb.builtIn);
  CHECK_FALSE(vapb.namespaced);
  CHECK(vapb.warning.empty());
  CHECK(parseResourceArg("validatingadmissionpolicies.v1.admissionregistration.k8s.io", 30).warning.empty());
  CHECK_FALSE(parseResourceArg("validatingadmissionpolicies.v1.admissionregistration.k8s.io", 29).warning.empty());
  CHECK_FALSE(parseResourceArg("validatingadmissionpolicies", 29).builtIn);
  CHECK(rbac::servesSubresource("validatingadmissionpolicies", "status"));
  CHECK(parseResourceArg("selfsubjectreviews").apiGroup == "authentication.k8s.io");
  CHECK(parseResourceArg("resourceclaims").apiGroup == "resource.k8s.io");
  CHECK(parseResourceArg("resourceclaims").namespaced);
  CHECK_FALSE(parseResourceArg("resourceslices").namespaced);
  CHECK_FALSE(parseResourceArg("servicecidrs").namespaced);
  CHECK(parseResourceArg("csistoragecapacities.v1beta1.storage.k8s.io", 21).warning.empty());
  CHECK_FALSE(parseResourceArg("csistoragecapacities.v1beta1.storage.k8s.io", 27).warning.empty());
  CHECK(parseResourceArg("vac").resource == "volumeattributesclasses");
}
