// The user a `kubectl --as` request carries (impersonation filter of k8s.io/apiserver).
#include <catch2/catch.hpp>

#include "rbac/user_info.h"

using rbac::impersonatedUser;
using Groups = std::vector<std::string>;

TEST_CASE("a service-account user gets the service-account groups and system:authenticated") {
  auto u = impersonatedUser("system:serviceaccount:dev:builder", {});
  CHECK(u.name == "system:serviceaccount:dev:builder");
  CHECK(u.groups == Groups{"system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"});
  // With --as-group the groups given are the authority (plus system:authenticated).
  CHECK(impersonatedUser("system:serviceaccount:dev:builder", {"g"}).groups == Groups{"g", "system:authenticated"});
}

TEST_CASE("other users get system:authenticated unless it or system:unauthenticated is given") {
  CHECK(impersonatedUser("alice", {}).groups == Groups{"system:authenticated"});
  CHECK(impersonatedUser("alice", {"devs"}).groups == Groups{"devs", "system:authenticated"});
  CHECK(impersonatedUser("alice", {"system:unauthenticated"}).groups == Groups{"system:unauthenticated"});
  CHECK(impersonatedUser("alice", {"system:authenticated"}).groups == Groups{"system:authenticated"});
  CHECK(impersonatedUser("system:anonymous", {}).groups == Groups{"system:unauthenticated"});
}

TEST_CASE("only well-formed service-account names split (serviceaccount.SplitUsername)") {
  CHECK(rbac::splitServiceAccountUsername("system:serviceaccount:dev:builder").has_value());
  CHECK_FALSE(rbac::splitServiceAccountUsername("system:serviceaccount:dev").has_value());
  CHECK_FALSE(rbac::splitServiceAccountUsername("system:serviceaccount:dev:a:b").has_value());
  CHECK_FALSE(rbac::splitServiceAccountUsername("system:serviceaccount:Dev:builder").has_value());
  CHECK_FALSE(rbac::splitServiceAccountUsername("system:serviceaccount::builder").has_value());
  // Not a valid service-account user name: impersonated as a plain user, without the SA groups.
  CHECK(impersonatedUser("system:serviceaccount:Dev:x", {}).groups == Groups{"system:authenticated"});
}
