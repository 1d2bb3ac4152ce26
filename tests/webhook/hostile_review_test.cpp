// Hostile and realistic AdmissionReviews over real HTTPS to the real server (fake cluster behind it):
// every one gets an HTTP answer - an AdmissionReview with its uid, or a 400 naming what is wrong - and
// the server keeps serving.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "running_server.h"

namespace {

using nlohmann::json;

json podObject(const json& spec) {
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p"}, {"namespace", "restricted"}}}, {"spec", spec}};
}

const json kRestrictedSpec = json::parse(R"({"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
  "containers":[{"name":"app","image":"nginx:1.25","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]})");

json review(const json& request, const std::string& version = "admission.k8s.io/v1") {
  return {{"apiVersion", version}, {"kind", "AdmissionReview"}, {"request", request}};
}

json podRequest(const std::string& operation, const std::string& subResource = "") {
  return {{"uid", "u-" + operation + subResource},
          {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
          {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
          {"subResource", subResource},
          {"name", "p"},
          {"namespace", "restricted"},
          {"operation", operation},
          {"userInfo", {{"username", "alice"}}}};
}

struct Answer {
  int status = 0;
  std::string body;
  json review;  // parsed body when status 200
};

Answer post(RunningServer& s, const std::string& body) {
  auto res = s.client()->Post("/validate", body, "application/json");
  REQUIRE(res);
  Answer a{res->status, res->body, {}};
  if (a.status == 200) a.review = json::parse(res->body);
  return a;
}

}  // namespace

// What the API server sends, and what it never sends but a caller of /validate might.
TEST_CASE("hostile reviews: each gets an AdmissionReview with its uid or a 400 naming the fault") {
  RunningServer s("hostile");
  struct Case {
    std::string name;
    std::string body;
    int status;          // HTTP
    std::string expect;  // 200: "allow", "deny <code>"; 400: what the body says
  };
  std::vector<Case> cases;
  auto add = [&](const std::string& name, const json& j, int status, const std::string& expect) {
    cases.push_back({name, j.dump(), status, expect});
  };
  auto withObject = [](json r, const json& object) {
    r["object"] = object;
    return r;
  };

  {
    auto r = withObject(podRequest("CREATE"), podObject(kRestrictedSpec));
    add("v1beta1", review(r, "admission.k8s.io/v1beta1"), 200, "allow");
    r["dryRun"] = true;
    add("dryRun", review(r), 200, "allow");
  }
  {
    auto r = podRequest("UPDATE", "ephemeralcontainers");  // kubectl debug, privileged
    json spec = kRestrictedSpec;
    r["oldObject"] = podObject(spec);
    spec["ephemeralContainers"] =
        json::array({{{"name", "debug"}, {"image", "busybox"}, {"securityContext", {{"privileged", true}}}}});
    add("ephemeral container", review(withObject(r, podObject(spec))), 200,
        "deny 403 privileged (container \"debug\" must not set securityContext.privileged=true)");
  }
  add("pods/exec", review(withObject(podRequest("CONNECT", "exec"), {{"apiVersion", "v1"}, {"kind", "PodExecOptions"}})), 200,
      "allow");
  {
    auto r = podRequest("DELETE");
    r["oldObject"] = podObject({{"hostPID", true}, {"containers", json::array({{{"name", "c"}, {"image", "x"}}})}});
    add("DELETE, oldObject only", review(r), 200, "allow");
  }
  {
    auto r = withObject(podRequest("CREATE"), {{"apiVersion", "example.com/v1"}, {"kind", "Widget"}, {"spec", {{"x", 1}}}});
    r["resource"] = {{"group", "example.com"}, {"version", "v1"}, {"resource", "widgets"}};
    add("unknown kind", review(r), 200, "allow");
  }
  // Malformed envelopes: 400, naming the field.
  {
    auto r = withObject(podRequest("CREATE"), podObject(kRestrictedSpec));
    auto noUid = r;
    noUid.erase("uid");
    add("no uid", review(noUid), 400, "request: uid is required");
    auto numericUid = r;
    numericUid["uid"] = 7;
    add("numeric uid", review(numericUid), 400, "request.uid: expected a string");
    auto badUser = r;
    badUser["userInfo"] = {{"groups", "x"}};
    add("groups not a list", review(badUser), 400, "request.userInfo.groups");
    auto badOperation = r;
    badOperation["operation"] = "create";
    add("operation in lower case", review(badOperation), 400, "operation must be CREATE, UPDATE, DELETE or CONNECT");
    add("array object", review(withObject(podRequest("CREATE"), json::array())), 400, "request.object: expected an object");
    json listRequest = {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", json::array({r})}};
    add("request a list", listRequest, 400, "request: expected an object");
  }
  // Well-formed envelopes that cannot be judged: a refusal in the review, saying why.
  add("CREATE without object", review(podRequest("CREATE")), 200, "deny 400 request.object (and request.oldObject for UPDATE) is required");
  add("UPDATE without oldObject", review(withObject(podRequest("UPDATE"), podObject(kRestrictedSpec))), 200,
      "deny 400 request.object (and request.oldObject for UPDATE) is required");
  add("containers a string", review(withObject(podRequest("CREATE"), podObject({{"containers", "x"}}))), 200,
      "deny 400 failed to decode pod: spec.containers: expected a list, got a string");
  add("Pod resource, ConfigMap object", review(withObject(podRequest("CREATE"), {{"apiVersion", "v1"}, {"kind", "ConfigMap"}})), 200,
      "deny 400 failed to decode pod");
  {
    auto r = withObject(podRequest("CREATE"), podObject(kRestrictedSpec));
    r["namespace"] = "";  // a Pod is never cluster-scoped: no namespace to read the policy of
    add("pod without namespace", review(r), 200, "deny 500 Internal error occurred: failed to lookup namespace \"\"");
  }
  {
    json binding = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "ClusterRoleBinding"}, {"metadata", {{"name", "b"}}},
                    {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "view"}}}};
    auto r = podRequest("UPDATE");
    r["resource"] = {{"group", "rbac.authorization.k8s.io"}, {"version", "v1"}, {"resource", "clusterrolebindings"}};
    r["namespace"] = "";
    r["oldObject"] = binding;
    binding["subjects"] = "x";
    add("binding subjects a string", review(withObject(r, binding)), 200,
        "deny 400 failed to decode RBAC object: subjects: expected a list, got a string");
  }
  {
    auto r = podRequest("UPDATE");
    r["resource"] = {{"group", ""}, {"version", "v1"}, {"resource", "namespaces"}};
    r["oldObject"] = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "restricted"}}}};
    r["object"] = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "restricted"}, {"labels", {{"a", 1}}}}}};
    add("namespace label a number", review(r), 200, "deny 400 failed to decode object: metadata.labels[\"a\"]: expected a string");
  }
  // Bodies that are no JSON document.
  cases.push_back({"trailing garbage", reviewFor(kPrivilegedPod) + "xyz", 400, "request body is not valid JSON"});
  cases.push_back({"two documents", reviewFor(kPrivilegedPod) + reviewFor(kPrivilegedPod), 400, "request body is not valid JSON"});
  cases.push_back({"empty", "", 400, "request body is not valid JSON"});
  cases.push_back({"NUL", std::string("{\0}", 3), 400, "request body is not valid JSON"});
  cases.push_back({"invalid UTF-8", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"\xff\"}}", 400,
                   "request body is not valid JSON"});

  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto a = post(s, c.body);
    CAPTURE(a.body);
    REQUIRE(a.status == c.status);
    if (a.status == 400) {
      CHECK_THAT(a.body, Catch::StartsWith("malformed AdmissionReview: ") && Catch::Contains(c.expect));
      continue;
    }
    const json& response = a.review.at("response");
    CHECK(response.at("uid") == json::parse(c.body)["request"]["uid"]);
    if (c.expect == "allow") {
      CHECK(response.at("allowed") == true);
      continue;
    }
    REQUIRE(response.at("allowed") == false);
    const std::string code = c.expect.substr(5, 3);
    CHECK(std::to_string(response["status"]["code"].get<int>()) == code);
    CHECK_THAT(response["status"]["message"].get<std::string>(), Catch::Contains(c.expect.substr(9)));
    // A refusal for a request that could not be judged says so in the audit log too.
    if (code != "403") CHECK(response.at("auditAnnotations").contains("error"));
  }
  // Served throughout.
  auto good = post(s, reviewFor(kPrivilegedPod));
  REQUIRE(good.status == 200);
  CHECK(good.review["response"]["allowed"] == false);
}
