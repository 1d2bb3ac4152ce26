// The escalation path table: well-formed, and each request modelled as a real client makes it.
#include <set>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "rbac/escalation_paths.h"

namespace {
const rbac::EscalationPath& path(const std::string& id) {
  for (const auto& p : rbac::escalationPaths())
    if (p.id == id) return p;
  throw std::runtime_error("no path " + id);
}
}  // namespace

TEST_CASE("the escalation path table is well-formed") {
  std::set<std::string> ids;
  for (const auto& p : rbac::escalationPaths()) {
    CHECK(ids.insert(p.id).second);
    CHECK_FALSE(p.alternatives.empty());
    CHECK_FALSE(p.consequence.empty());
  }
}

TEST_CASE("requests carry a name exactly when the real request does (RequestInfo)") {
  for (const auto& alternative : path("rbac.escalation.podCreate").alternatives)
    for (const auto& probe : alternative) CHECK(probe.named == (probe.verb != "create"));
  for (const auto& alternative : path("rbac.escalation.secretsRead").alternatives)
    for (const auto& probe : alternative) CHECK(probe.named == (probe.verb == "get"));
  // A subresource request names its object, even for create (POST pods/NAME/exec).
  for (const auto& alternative : path("rbac.escalation.podExec").alternatives)
    for (const auto& probe : alternative) CHECK(probe.named);
  // Cluster-scoped resources carry no namespace.
  for (const auto& alternative : path("rbac.escalation.nodeProxy").alternatives)
    for (const auto& probe : alternative) CHECK(probe.clusterScoped);
  CHECK(path("rbac.escalation.namespaceUpdate").alternatives[0][0].namespaceIsName);
  CHECK(path("rbac.escalation.podExec").alternatives[0][0].describe() == "create pods/exec");
  CHECK(path("rbac.escalation.escalate").alternatives[0][0].describe() == "escalate clusterroles.rbac.authorization.k8s.io");
  CHECK(std::string(rbac::severityName(rbac::Severity::Critical)) == "critical");
}
