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
