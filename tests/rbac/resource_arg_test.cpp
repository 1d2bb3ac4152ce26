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
  // A group that does not serve the resource is not silently replaced.
  CHECK(parseResourceArg("deployments.extensions").apiGroup == "extensions");
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
  CHECK(parseResourceArg("deployments.v1beta2.apps").apiGroup == "apps");
  // Not a version: RESOURCE.GROUP at the first dot, as before (a CRD's group has dots).
  auto crd = parseResourceArg("widgets.v1.example.com");
  CHECK(crd.apiGroup == "v1.example.com");
  CHECK(crd.resource == "widgets");
  CHECK(crd.warning.empty());

  // pods.v1: kubectl finds no resource pods in group v1, warns, and asks for resource "pods.v1" in the
  // core group, which only rules for "*" resources (or "pods.v1") allow.
  auto v1 = parseResourceArg("pods.v1");
  CHECK(v1.apiGroup == "");
  CHECK(v1.resource == "pods.v1");
  CHECK_FALSE(v1.builtIn);
  CHECK(v1.warning ==
        "the server doesn't have a resource type 'pods' in group 'v1' (as kubectl, asking for resource 'pods.v1' in "
        "the core group; RESOURCE.VERSION.GROUP needs the group: pods.v1. is the core group)");
  CHECK(parseResourceArg("Pods.V1").resource == "Pods.V1");  // as written, as kubectl sends it
  CHECK(parseResourceArg("deployments.v1/scale").subresource == "scale");
  // Groups without dots that are built-in are kept (the resource may be served by another version).
  CHECK(parseResourceArg("deployments.extensions").warning.empty());
  CHECK(parseResourceArg("cronjobs.batch").apiGroup == "batch");
}
