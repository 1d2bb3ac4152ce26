// Each point of kubernetes/pkg/apis/rbac/v1/evaluation_helpers.go, positive and negative.
#include <catch2/catch.hpp>

#include "rbac/rule_matching.h"

using rbac::PolicyRule;
using rbac::Request;
using rbac::ruleAllows;

namespace {
PolicyRule rule(std::vector<std::string> verbs, std::vector<std::string> groups, std::vector<std::string> resources,
                std::vector<std::string> names = {}) {
  PolicyRule r;
  r.verbs = std::move(verbs);
  r.apiGroups = std::move(groups);
  r.resources = std::move(resources);
  r.resourceNames = std::move(names);
  return r;
}
Request req(const std::string& verb, const std::string& group, const std::string& resource, const std::string& sub = "",
            const std::string& name = "") {
  return Request::resource_(verb, group, resource, sub, "ns", name);
}
}  // namespace

TEST_CASE("verbs: exact or *, case-sensitive") {
  CHECK(ruleAllows(rule({"get"}, {""}, {"pods"}), req("get", "", "pods")));
  CHECK_FALSE(ruleAllows(rule({"get"}, {""}, {"pods"}), req("list", "", "pods")));
  CHECK_FALSE(ruleAllows(rule({"Get"}, {""}, {"pods"}), req("get", "", "pods")));
  CHECK(ruleAllows(rule({"*"}, {""}, {"pods"}), req("escalate", "", "pods")));
  CHECK_FALSE(ruleAllows(rule({}, {""}, {"pods"}), req("get", "", "pods")));
  // "get*" is not a pattern.
  CHECK_FALSE(ruleAllows(rule({"get*"}, {""}, {"pods"}), req("get", "", "pods")));
}

TEST_CASE("apiGroups: \"\" is the core group only, * is every group") {
  CHECK(ruleAllows(rule({"get"}, {""}, {"deployments"}), req("get", "", "deployments")));
  CHECK_FALSE(ruleAllows(rule({"get"}, {""}, {"deployments"}), req("get", "apps", "deployments")));
  CHECK_FALSE(ruleAllows(rule({"get"}, {"apps"}, {"pods"}), req("get", "", "pods")));
  CHECK(ruleAllows(rule({"get"}, {"*"}, {"deployments"}), req("get", "apps", "deployments")));
  CHECK(ruleAllows(rule({"get"}, {"*"}, {"pods"}), req("get", "", "pods")));
  CHECK_FALSE(ruleAllows(rule({"get"}, {}, {"pods"}), req("get", "", "pods")));
}

TEST_CASE("resources: * covers subresources; a resource does not cover its subresources") {
  CHECK(ruleAllows(rule({"create"}, {""}, {"*"}), req("create", "", "pods", "exec", "p")));
  CHECK_FALSE(ruleAllows(rule({"create"}, {""}, {"pods"}), req("create", "", "pods", "exec", "p")));
  CHECK(ruleAllows(rule({"create"}, {""}, {"pods/exec"}), req("create", "", "pods", "exec", "p")));
  CHECK_FALSE(ruleAllows(rule({"get"}, {""}, {"pods/exec"}), req("get", "", "pods", "", "p")));
  CHECK_FALSE(ruleAllows(rule({"create"}, {""}, {"pods/exec"}), req("create", "", "pods", "attach", "p")));
}

TEST_CASE("resources: */scale matches any scale subresource, pods/* is not a wildcard") {
  CHECK(ruleAllows(rule({"update"}, {"*"}, {"*/scale"}), req("update", "apps", "deployments", "scale", "d")));
  CHECK(ruleAllows(rule({"update"}, {"*"}, {"*/scale"}), req("update", "", "replicationcontrollers", "scale", "d")));
  CHECK_FALSE(ruleAllows(rule({"update"}, {"*"}, {"*/scale"}), req("update", "apps", "deployments", "", "d")));
  CHECK_FALSE(ruleAllows(rule({"update"}, {"*"}, {"*/scale"}), req("update", "apps", "deployments", "status", "d")));
  CHECK_FALSE(ruleAllows(rule({"update"}, {"*"}, {"*/scal"}), req("update", "apps", "deployments", "scale", "d")));
  CHECK_FALSE(ruleAllows(rule({"create"}, {""}, {"pods/*"}), req("create", "", "pods", "exec", "p")));
  CHECK_FALSE(ruleAllows(rule({"get"}, {""}, {"pods/*"}), req("get", "", "pods")));
  // "*/*" is only the literal subresource "*".
  CHECK_FALSE(ruleAllows(rule({"get"}, {""}, {"*/*"}), req("get", "", "pods", "log", "p")));
  CHECK(ruleAllows(rule({"get"}, {""}, {"*/*"}), req("get", "", "pods", "*", "p")));
}

TEST_CASE("resourceNames: empty list = any name; else only the listed names, so unnamed requests never match") {
  CHECK(ruleAllows(rule({"get"}, {""}, {"secrets"}), req("get", "", "secrets", "", "a")));
  CHECK(ruleAllows(rule({"get"}, {""}, {"secrets"}, {"a"}), req("get", "", "secrets", "", "a")));
  CHECK_FALSE(ruleAllows(rule({"get"}, {""}, {"secrets"}, {"a"}), req("get", "", "secrets", "", "b")));
  // create, deletecollection and list/watch without a metadata.name field selector carry no name.
  CHECK_FALSE(ruleAllows(rule({"create"}, {""}, {"secrets"}, {"a"}), req("create", "", "secrets")));
  CHECK_FALSE(ruleAllows(rule({"list"}, {""}, {"secrets"}, {"a"}), req("list", "", "secrets")));
  CHECK_FALSE(ruleAllows(rule({"deletecollection"}, {""}, {"secrets"}, {"a"}), req("deletecollection", "", "secrets")));
  // A list with fieldSelector=metadata.name=a does carry the name (RequestInfo).
  CHECK(ruleAllows(rule({"list"}, {""}, {"secrets"}, {"a"}), req("list", "", "secrets", "", "a")));
  // "*" in resourceNames is a literal name, not a wildcard.
  CHECK_FALSE(ruleAllows(rule({"get"}, {""}, {"secrets"}, {"*"}), req("get", "", "secrets", "", "a")));
}

TEST_CASE("nonResourceURLs: exact, *, or a trailing-* prefix") {
  PolicyRule r;
  r.verbs = {"get"};
  r.nonResourceURLs = {"/healthz", "/logs/*", "/api**"};
  CHECK(ruleAllows(r, Request::nonResource("get", "/healthz")));
  CHECK_FALSE(ruleAllows(r, Request::nonResource("get", "/healthz/ping")));
  CHECK_FALSE(ruleAllows(r, Request::nonResource("post", "/healthz")));
  CHECK(ruleAllows(r, Request::nonResource("get", "/logs/")));
  CHECK(ruleAllows(r, Request::nonResource("get", "/logs/x/y")));
  CHECK_FALSE(ruleAllows(r, Request::nonResource("get", "/logs")));
  CHECK(ruleAllows(r, Request::nonResource("get", "/apis")));  // every trailing * is trimmed
  r.nonResourceURLs = {"*"};
  CHECK(ruleAllows(r, Request::nonResource("get", "/anything")));
  // A resource rule never matches a non-resource request and vice versa.
  CHECK_FALSE(ruleAllows(rule({"get"}, {"*"}, {"*"}), Request::nonResource("get", "/healthz")));
  CHECK_FALSE(ruleAllows(r, req("get", "", "pods")));
}
