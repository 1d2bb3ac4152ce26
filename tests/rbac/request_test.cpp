// Request and policy object descriptions (the wording of upstream's authorizer log and describers).
#include <catch2/catch.hpp>

#include "rbac/policy.h"
#include "rbac/request.h"

TEST_CASE("requests are described in the RBAC authorizer's words") {
  CHECK(rbac::Request::resource_("get", "apps", "deployments", "scale", "dev", "web").describe() ==
        "\"get\" resource \"deployments.apps/scale\" named \"web\" in namespace \"dev\"");
  CHECK(rbac::Request::resource_("list", "", "nodes").describe() == "\"list\" resource \"nodes\" cluster-wide");
  CHECK(rbac::Request::nonResource("get", "/healthz").describe() == "\"get\" nonResourceURL \"/healthz\"");
}

TEST_CASE("policy objects describe themselves; service accounts take the binding's namespace") {
  rbac::Role role;
  role.name = "r";
  role.namespace_ = "dev";
  CHECK(role.describe() == "Role dev/r");
  role.clusterScoped = true;
  CHECK(role.describe() == "ClusterRole r");
  CHECK((rbac::Subject{"ServiceAccount", "", "ci", ""}.describe("dev")) == "ServiceAccount dev/ci");
  CHECK((rbac::Subject{"ServiceAccount", "", "ci", "ops"}.describe("dev")) == "ServiceAccount ops/ci");
  CHECK((rbac::Subject{"Group", "", "devs", ""}.describe()) == "Group devs");
  rbac::Binding b;
  b.name = "b";
  b.namespace_ = "dev";
  CHECK(b.describe() == "RoleBinding dev/b");
}
