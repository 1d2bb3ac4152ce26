#include "webhook/admission_review.h"

#include <nlohmann/json.hpp>

#include "kube/json_depth.h"
#include "kube/json_reader.h"
#include "webhook/fast_review.h"

namespace webhook {
namespace {

using kube::JsonReader;

// A depth past which no AdmissionReview goes: refused before nlohmann recurses on it.
constexpr int kMaxJsonDepth = 200;

admission::AdmissionRequest readRequest(const JsonReader& r) {
  admission::AdmissionRequest req;
  req.uid = r.string("uid");
  if (req.uid.empty()) r.fail("uid is required");
  if (auto kind = r.field("kind")) req.kind = kind->string("kind");
  auto resource = r.field("resource");
  if (!resource) r.fail("resource is required");
  req.resource = {resource->string("group"), resource->string("version"), resource->string("resource")};
  req.subResource = r.string("subResource");
  req.name = r.string("name");
  req.namespace_ = r.string("namespace");
  req.operation = r.string("operation");
  if (req.operation.empty()) r.fail("operation is required");
  if (auto user = r.field("userInfo")) {
    req.username = user->string("username");
    req.groups = user->stringList("groups");
  }
  req.dryRun = r.boolean("dryRun");
  if (auto object = r.field("object")) {
    object->expectObject();
    req.object = &object->value();
  }
  if (auto old = r.field("oldObject")) {
    old->expectObject();
    req.oldObject = &old->value();
  }
  return req;
}

}  // namespace

ReviewParseResult parseAdmissionReview(const std::string& body, bool fastPods) {
  ReviewParseResult out;
  if (fastPods) {
    if (auto fast = readPodReviewFast(body)) {
      out.review = std::move(*fast);
      out.ok = true;
      return out;
    }
  }
  if (kube::jsonNestsDeeperThan(body, kMaxJsonDepth)) {
    out.error = "request body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return out;
  }
  auto document = std::make_shared<nlohmann::json>(nlohmann::json::parse(body, nullptr, false));
  if (document->is_discarded()) {
    out.error = "request body is not valid JSON";
    return out;
  }
  try {
    JsonReader root(*document, "");
    root.expectObject();
    std::string apiVersion = root.string("apiVersion");
    if (apiVersion != "admission.k8s.io/v1" && apiVersion != "admission.k8s.io/v1beta1")
      root.fail("apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, got \"" + apiVersion + "\"");
    if (root.string("kind") != "AdmissionReview") root.fail("kind must be AdmissionReview");
    auto request = root.field("request");
    if (!request) throw kube::DecodeError("request", "AdmissionReview has no request");
    out.review.request = readRequest(*request);
    out.review.apiVersion = apiVersion;
  } catch (const kube::DecodeError& e) {
    out.error = e.what();
    return out;
  }
  out.review.document = std::move(document);
  out.ok = true;
  return out;
}

std::string renderAdmissionReview(const std::string& apiVersion, const std::string& uid,
                                  const admission::AdmissionResponse& response) {
  nlohmann::json r = {{"uid", uid}, {"allowed", response.allowed}};
  if (response.result) {
    const auto& status = *response.result;
    r["status"] = {{"status", "Failure"}, {"code", status.code}, {"reason", status.reason}, {"message", status.message}};
    if (!status.detailsKind.empty()) {
      nlohmann::json details = {{"name", status.detailsName}, {"group", status.detailsGroup}, {"kind", status.detailsKind}};
      for (const auto& c : status.causes)
        details["causes"].push_back({{"reason", c.type}, {"message", c.message}, {"field", c.field}});
      r["status"]["details"] = std::move(details);
    }
  }
  if (!response.warnings.empty()) r["warnings"] = response.warnings;
  if (!response.auditAnnotations.empty()) r["auditAnnotations"] = response.auditAnnotations;
  nlohmann::json review = {{"apiVersion", apiVersion}, {"kind", "AdmissionReview"}, {"response", std::move(r)}};
  return review.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace webhook
