#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "webhook/admission_review.h"

using webhook::parseAdmissionReview;
using webhook::renderAdmissionReview;

namespace {

std::string review(const std::string& apiVersion, const std::string& request) {
  return R"({"apiVersion":")" + apiVersion + R"(","kind":"AdmissionReview","request":)" + request + "}";
}

const std::string kRequest =
    R"({"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","kind":{"group":"","version":"v1","kind":"Pod"},)"
    R"("resource":{"group":"","version":"v1","resource":"pods"},"name":"p","namespace":"ns","operation":"CREATE",)"
    R"("userInfo":{"username":"alice","groups":["devs"]},"dryRun":true,"object":{"apiVersion":"v1","kind":"Pod"}})";

}  // namespace

TEST_CASE("AdmissionReview v1 and v1beta1 parse into a typed request") {
  for (const char* version : {"admission.k8s.io/v1", "admission.k8s.io/v1beta1"}) {
    auto parsed = parseAdmissionReview(review(version, kRequest));
    REQUIRE(parsed.ok);
    const auto& r = parsed.review.request;
    CHECK(parsed.review.apiVersion == version);
    CHECK(r.uid == "705ab4f5-6393-11e8-b7cc-42010a800002");
    CHECK(r.resource.resource == "pods");
    CHECK(r.operation == "CREATE");
    CHECK(r.username == "alice");
    CHECK(r.groups == std::vector<std::string>{"devs"});
    CHECK(r.dryRun);
    REQUIRE(r.object);
    CHECK(r.object->at("kind") == "Pod");
    CHECK(r.oldObject == nullptr);
  }
}

TEST_CASE("the claims a PVC or a StatefulSet makes are decoded with the review, errors kept for the rules") {
  auto requestFor = [](const std::string& resource, const std::string& object) {
    auto parsed = parseAdmissionReview(review("admission.k8s.io/v1", R"({"uid":"u","resource":{"group":"apps","version":"v1","resource":")" +
                                                                          resource + R"("},"operation":"CREATE","object":)" + object + "}"));
    REQUIRE(parsed.ok);
    return parsed.review.request;
  };
  auto sts = requestFor("statefulsets", R"({"apiVersion":"apps/v1","kind":"StatefulSet","spec":{"volumeClaimTemplates":[)"
                                        R"({"spec":{"storageClassName":"fast"}},{"spec":{}}]}})");
  const auto* claims = sts.objectClaims.get();
  REQUIRE(claims);
  REQUIRE(claims->size() == 2);
  CHECK((*claims)[0].field == "spec.volumeClaimTemplates[0].spec");
  CHECK((*claims)[0].storageClassName == std::optional<std::string>("fast"));
  CHECK((*claims)[1].field == "spec.volumeClaimTemplates[1].spec");
  CHECK_FALSE((*claims)[1].storageClassName);
  auto pvc = requestFor("persistentvolumeclaims", R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","spec":{"storageClassName":"slow"}})");
  REQUIRE(pvc.objectClaims.get());
  REQUIRE(pvc.objectClaims.get()->size() == 1);
  CHECK(pvc.objectClaims.get()->at(0).field == "spec");
  CHECK(requestFor("deployments", R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{}})").objectClaims.get()->empty());
  // A wrong type does not fail the review (Pod Security still judges the object): get() throws it.
  auto bad = requestFor("statefulsets", R"({"apiVersion":"apps/v1","kind":"StatefulSet","spec":{"volumeClaimTemplates":[{"spec":{"storageClassName":7}}]}})");
  try {
    bad.objectClaims.get();
    FAIL("expected a DecodeError");
  } catch (const kube::DecodeError& e) {
    CHECK(e.path() == "spec.volumeClaimTemplates[0].spec.storageClassName");
  }
}

TEST_CASE("malformed reviews are rejected with a reason") {
  auto errorOf = [](const std::string& body) {
    auto parsed = parseAdmissionReview(body);
    CHECK_FALSE(parsed.ok);
    return parsed.error;
  };
  CHECK(errorOf("{") == "request body is not valid JSON");
  CHECK(errorOf("[]") == "expected an object, got a list");  // a problem of the root has no ": " before it
  CHECK(errorOf(R"({"apiVersion":"admission.k8s.io/v1","kind":"Review","request":{}})") == "kind must be AdmissionReview");
  CHECK(errorOf(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})") == "request: AdmissionReview has no request");
  CHECK(errorOf(review("v1", kRequest)).find("apiVersion must be") != std::string::npos);
  CHECK(errorOf(review("admission.k8s.io/v1", R"({"resource":{}, "operation":"CREATE"})")).find("uid is required") != std::string::npos);
  CHECK(errorOf(review("admission.k8s.io/v1", R"({"uid":"u","operation":"CREATE"})")).find("resource is required") != std::string::npos);
  CHECK(errorOf(review("admission.k8s.io/v1", R"({"uid":5})")).find("request.uid: expected a string") != std::string::npos);
  // Before, an operation outside the enum ("create", "FROB") was allowed without being judged.
  for (const char* op : {"create", "FROB"})
    CHECK(errorOf(review("admission.k8s.io/v1", R"({"uid":"u","resource":{"resource":"pods"},"operation":")" + std::string(op) + R"("})")) ==
          "request: operation must be CREATE, UPDATE, DELETE or CONNECT, got \"" + std::string(op) + "\"");
  CHECK(errorOf(std::string(100000, '[')).find("nests deeper") != std::string::npos);
}

TEST_CASE("responses echo version and uid, with status, warnings and audit annotations") {
  admission::AdmissionResponse denied = admission::failureResponse(403, "Forbidden", "pods \"p\" is forbidden: x");
  denied.auditAnnotations["enforce-policy"] = "restricted:latest";
  auto out = nlohmann::json::parse(renderAdmissionReview("admission.k8s.io/v1beta1", "u-1", denied));
  CHECK(out["apiVersion"] == "admission.k8s.io/v1beta1");
  CHECK(out["kind"] == "AdmissionReview");
  CHECK(out["response"]["uid"] == "u-1");
  CHECK(out["response"]["allowed"] == false);
  CHECK(out["response"]["status"]["code"] == 403);
  CHECK(out["response"]["status"]["message"] == "pods \"p\" is forbidden: x");
  CHECK(out["response"]["auditAnnotations"]["enforce-policy"] == "restricted:latest");
  admission::AdmissionResponse warned;
  warned.warnings = {"would violate PodSecurity \"restricted:latest\": x"};
  auto ok = nlohmann::json::parse(renderAdmissionReview("admission.k8s.io/v1", "u-2", warned));
  CHECK(ok["response"]["allowed"] == true);
  CHECK_FALSE(ok["response"].contains("status"));
  CHECK(ok["response"]["warnings"].size() == 1);
}
