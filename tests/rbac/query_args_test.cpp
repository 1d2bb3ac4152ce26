// can-i / who-can arguments to the request a client would send.
#include <catch2/catch.hpp>

#include "rbac/query_args.h"

namespace {
rbac::Request parse(std::vector<std::string> positional, std::string ns = "", bool all = false, std::string url = "",
                    std::string sub = "") {
  std::vector<std::string> warnings;
  return rbac::requestFromArgs({std::move(positional), std::move(url), std::move(sub), std::move(ns), all}, warnings);
}
}  // namespace

TEST_CASE("resource requests: group from the table, subresource, name, namespace defaults") {
  auto r = parse({"create", "deployments/scale", "web"}, "dev");
  CHECK(r.resourceRequest);
  CHECK(r.verb == "create");
  CHECK(r.apiGroup == "apps");
  CHECK(r.resource == "deployments");
  CHECK(r.subresource == "scale");
  CHECK(r.name == "web");
  CHECK(r.namespace_ == "dev");
  CHECK(parse({"get", "pods"}).namespace_ == "default");       // kubectl's default namespace
  CHECK(parse({"get", "nodes"}).namespace_ == "");             // cluster-scoped: no namespace
  CHECK(parse({"update", "namespaces", "prod"}).namespace_ == "prod");  // a Namespace is its own namespace
  CHECK(parse({"get", "pods"}, "dev", true).namespace_ == "");  // -A
  CHECK(parse({"get", "pods.", "x"}).apiGroup == "");           // explicit core group
  CHECK(parse({"get", "pods", "p"}, "dev", false, "", "log").subresource == "log");
}

TEST_CASE("non-resource requests and usage errors") {
  auto r = parse({"get"}, "", false, "/healthz");
  CHECK_FALSE(r.resourceRequest);
  CHECK(r.path == "/healthz");
  CHECK(parse({"get", "/logs/x"}).path == "/logs/x");
  CHECK_THROWS_AS(parse({}), std::invalid_argument);
  CHECK_THROWS_AS(parse({"get"}), std::invalid_argument);
  CHECK_THROWS_AS(parse({"get", "pods", "a", "b"}), std::invalid_argument);
  CHECK_THROWS_AS(parse({"get", "pods"}, "", false, "/healthz"), std::invalid_argument);
  CHECK_THROWS_AS(parse({"get", "pods/exec"}, "", false, "", "log"), std::invalid_argument);
  std::vector<std::string> warnings;
  rbac::requestFromArgs({{"get", "widgets"}, "", "", "", false}, warnings);
  CHECK(warnings.size() == 1);
}

TEST_CASE("kubectl's TYPE/NAME habit: a slash naming no subresource of a built-in resource is pointed out") {
  std::vector<std::string> warnings;
  auto r = rbac::requestFromArgs({{"delete", "configmaps/cm1"}, "", "", "", false}, warnings);
  CHECK(r.subresource == "cm1");  // the contract's reading is kept; the answer is about the subresource
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "configmaps has no subresource \"cm1\" (RESOURCE/SUBRESOURCE; a name is the next argument: "
                      "VERB configmaps cm1)");
  for (const char* known : {"pods/exec", "pods/ephemeralcontainers", "deployments.apps/scale", "serviceaccounts/token",
                            "certificatesigningrequests/approval", "nodes/proxy", "widgets.example.com/anything", "*/scale"}) {
    warnings.clear();
    rbac::requestFromArgs({{"create", known}, "", "", "", false}, warnings);
    INFO(known);
    CHECK(warnings.empty());
  }
}

TEST_CASE("requests no client sends are pointed out: unknown or upper-case verbs, URLs without /") {
  auto warningsOf = [](std::vector<std::string> positional, std::string url = "") {
    std::vector<std::string> warnings;
    rbac::requestFromArgs({std::move(positional), std::move(url), "", "dev", false}, warnings);
    return warnings;
  };
  auto get = warningsOf({"GET", "pods"});
  REQUIRE(get.size() == 1);
  CHECK(get[0].find("verb 'GET' is not a known verb") == 0);
  CHECK(warningsOf({"frobnicate", "pods"}).size() == 1);
  for (const char* verb : {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "bind", "escalate",
                           "impersonate", "approve", "use", "*"}) {
    INFO(verb);
    CHECK(warningsOf({verb, "pods"}).empty());
  }
  auto url = warningsOf({"get"}, "healthz");
  REQUIRE(url.size() == 1);
  CHECK(url[0] == "non-resource URL 'healthz' does not start with /: no request has such a path (write /healthz)");
  CHECK(warningsOf({"post"}, "/api").empty());
  CHECK(warningsOf({"list"}, "/api").size() == 1);  // not an HTTP method: no non-resource request has it
  CHECK(warningsOf({"get", "/healthz"}).empty());
}

TEST_CASE("can-i get pods.v1 warns as kubectl does and asks for what kubectl asks") {
  std::vector<std::string> warnings;
  auto r = rbac::requestFromArgs({{"get", "pods.v1"}, "", "", "", false}, warnings);
  REQUIRE(warnings.size() == 2);  // kubectl's, word for word, then what kguard asks instead
  CHECK(warnings[0] == "the server doesn't have a resource type 'pods' in group 'v1'");
  CHECK(warnings[1] == "asking, as kubectl does, for resource 'pods.v1' in the core group; Kubernetes 1.36 serves pods in the core group (v1)");
  CHECK(r.apiGroup == "");
  CHECK(r.resource == "pods.v1");
  CHECK(r.namespace_ == "default");
  warnings.clear();
  auto full = rbac::requestFromArgs({{"get", "pods.v1."}, "", "", "", false}, warnings);
  CHECK(warnings.empty());
  CHECK(full.resource == "pods");
  CHECK(full.apiGroup == "");
}

// kubectl 1.20 against a 1.20 API server: `kubectl auth can-i get deployments.v1beta1.apps` prints
// "Warning: the server doesn't have a resource type 'deployments' in group 'v1beta1.apps'" and asks for
// resource "deployments.v1beta1.apps" in the core group (apps/v1beta1 was removed in 1.16); the answer
// still decides the exit code. The served versions follow --kubernetes-version: batch/v1 CronJobs from 1.21.
TEST_CASE("can-i with a version the server does not serve asks what kubectl asks, per Kubernetes version") {
  std::vector<std::string> warnings;
  auto r = rbac::requestFromArgs({{"get", "Deployments.v1beta1.apps"}, "", "", "", false, 20}, warnings);
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0] == "the server doesn't have a resource type 'deployments' in group 'v1beta1.apps'");
  CHECK(warnings[1] == "asking, as kubectl does, for resource 'Deployments.v1beta1.apps' in the core group; "
                       "Kubernetes 1.20 serves deployments in apps (v1)");
  CHECK(r.apiGroup == "");
  CHECK(r.resource == "Deployments.v1beta1.apps");
  warnings.clear();
  auto cron20 = rbac::requestFromArgs({{"get", "cronjobs.v1.batch"}, "", "", "", false, 20}, warnings);
  CHECK(cron20.resource == "cronjobs.v1.batch");
  CHECK(warnings.size() == 2);
  warnings.clear();
  auto cron21 = rbac::requestFromArgs({{"get", "cronjobs.v1.batch"}, "", "", "", false, 21}, warnings);
  CHECK(warnings.empty());
  CHECK(cron21.resource == "cronjobs");
  CHECK(cron21.apiGroup == "batch");
}

TEST_CASE("userextras/KEY names an extra key, which impersonation asks as a subresource: no TYPE/NAME warning") {
  std::vector<std::string> warnings;
  auto r = rbac::requestFromArgs({{"impersonate", "userextras.authentication.k8s.io/reason"}, "", "", "", false}, warnings);
  CHECK(warnings.empty());
  CHECK(r.subresource == "reason");
  CHECK(r.namespace_.empty());  // cluster-scoped, as the impersonation filter asks it
}

// kubectl auth can-i's Validate (cani.go): a cluster-scoped resource asked in a namespace gets "Warning:
// resource 'nodes' is not namespace scoped" (with "in group 'G'" outside the core group). The request
// keeps the namespace, as kubectl's does, but a real request carries none: a RoleBinding's grant is unused.
TEST_CASE("can-i -n on a cluster-scoped resource warns as kubectl does") {
  std::vector<std::string> warnings;
  auto r = rbac::requestFromArgs({{"get", "nodes"}, "", "", "shop", false}, warnings);
  CHECK(r.namespace_ == "shop");
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0] == "resource 'nodes' is not namespace scoped");
  CHECK(warnings[1] == "a real request for nodes carries no namespace: a RoleBinding's grant is never used (ask without -n)");
  warnings.clear();
  rbac::requestFromArgs({{"create", "clusterroles.rbac.authorization.k8s.io"}, "", "", "shop", false}, warnings);
  REQUIRE_FALSE(warnings.empty());
  CHECK(warnings[0] == "resource 'clusterroles' is not namespace scoped in group 'rbac.authorization.k8s.io'");
  warnings.clear();
  rbac::requestFromArgs({{"get", "nodes"}, "", "", "", false}, warnings);  // no namespace asked: nothing to say
  rbac::requestFromArgs({{"get", "nodes"}, "", "", "shop", true}, warnings);  // -A
  rbac::requestFromArgs({{"get", "pods"}, "", "", "shop", false}, warnings);
  rbac::requestFromArgs({{"impersonate", "users"}, "", "", "shop", false}, warnings);  // not served: kubectl is silent
  CHECK(warnings.empty());
}

TEST_CASE("query args: without -n a namespaced resource is asked in the default namespace given (kubeconfig context)") {
  std::vector<std::string> warnings;
  rbac::QueryArgs args{{"get", "pods"}, "", "", "", false};
  CHECK(rbac::requestFromArgs(args, warnings).namespace_ == "default");
  args.defaultNamespace = "dev";
  CHECK(rbac::requestFromArgs(args, warnings).namespace_ == "dev");
  args.positional = {"get", "nodes"};
  CHECK(rbac::requestFromArgs(args, warnings).namespace_.empty());
  args.positional = {"get", "namespaces", "prod"};
  CHECK(rbac::requestFromArgs(args, warnings).namespace_ == "prod");
  args.positional = {"get", "pods"};
  args.namespace_ = "other";
  CHECK(rbac::requestFromArgs(args, warnings).namespace_ == "other");
  args.allNamespaces = true;
  CHECK(rbac::requestFromArgs(args, warnings).namespace_.empty());
  CHECK(warnings.empty());
}
