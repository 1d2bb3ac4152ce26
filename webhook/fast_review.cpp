#include "webhook/fast_review.h"

#include <simdjson.h>

#include "kube/pod_decode.h"
#include "kube/pod_decode_impl.h"
#include "webhook/fast_reader.h"

namespace webhook {
namespace {

using simdjson::dom::element;

// The pod of a Pod object (kube::DecodedPod::of for kind Pod); other kinds are not for the fast path.
kube::DecodedPod decodePodObject(const FastReader& object) {
  auto where = kube::podTemplatePath(object.string("apiVersion"), object.string("kind"));
  if (!where || !where->empty()) throw NotFast{};
  return kube::DecodedPod(kube::podDecode::decodePod(object), "");
}

// The AdmissionReview's request object as readRequest in admission_review.cpp reads it, in one pass;
// the objects stay undecoded until the request is known to be one for the fast path.
struct RequestEnvelope {
  admission::AdmissionRequest request;
  bool hasResource = false;
  std::optional<FastReader> object, oldObject;
};

RequestEnvelope readRequest(const FastReader& r) {
  using E = RequestEnvelope;
  using R = FastReader;
  static constexpr kube::FieldRule<E, R> fields[] = {
      {"uid", [](E& e, const R& v) { e.request.uid = v.asString(); }},
      {"kind", [](E& e, const R& v) { e.request.kind = v.string("kind"); }},
      {"resource",
       [](E& e, const R& v) {
         e.request.resource = {v.string("group"), v.string("version"), v.string("resource")};
         e.hasResource = true;
       }},
      {"subResource", [](E& e, const R& v) { e.request.subResource = v.asString(); }},
      {"name", [](E& e, const R& v) { e.request.name = v.asString(); }},
      {"namespace", [](E& e, const R& v) { e.request.namespace_ = v.asString(); }},
      {"operation", [](E& e, const R& v) { e.request.operation = v.asString(); }},
      {"userInfo",
       [](E& e, const R& v) {
         e.request.username = v.string("username");
         e.request.groups = v.stringList("groups");
       }},
      {"dryRun", [](E& e, const R& v) { e.request.dryRun = v.asBool(); }},
      {"object", [](E& e, const R& v) { e.object = v; }},
      {"oldObject",
       [](E& e, const R& v) {
         v.expectObject();
         e.oldObject = v;
       }},
  };
  E envelope;
  r.decodeFields(envelope, fields);
  return envelope;
}

// Mirrors parseAdmissionReview in admission_review.cpp for the requests it accepts.
ParsedReview readReview(const FastReader& root) {
  ParsedReview out;
  root.expectObject();
  out.apiVersion = root.string("apiVersion");
  if (out.apiVersion != "admission.k8s.io/v1" && out.apiVersion != "admission.k8s.io/v1beta1") throw NotFast{};
  if (root.string("kind") != "AdmissionReview") throw NotFast{};
  auto r = root.field("request");
  if (!r) throw NotFast{};
  RequestEnvelope envelope = readRequest(*r);
  auto& req = out.request;
  req = std::move(envelope.request);
  if (req.uid.empty() || !envelope.hasResource) throw NotFast{};
  // Only Pod CREATE and UPDATE, with the objects they need; everything else takes the general path.
  if (!req.resource.group.empty() || req.resource.resource != "pods" || !envelope.object) throw NotFast{};
  if (req.operation != "CREATE" && req.operation != "UPDATE") throw NotFast{};
  req.pod = decodePodObject(*envelope.object);
  if (req.operation == "UPDATE") {
    if (!envelope.oldObject) throw NotFast{};
    req.oldPod = decodePodObject(*envelope.oldObject);
  }
  return out;
}

// Shallower than admission_review.cpp's depth limit (200), so that any input near that limit is left
// to the nlohmann path and its depth guard. simdjson itself never recurses on input.
constexpr size_t kMaxDepth = 150;

simdjson::dom::parser& threadParser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    if (p.allocate(64 * 1024, kMaxDepth) != simdjson::SUCCESS) throw std::bad_alloc();
    return p;
  }();
  return parser;
}

}  // namespace

std::optional<ParsedReview> readPodReviewFast(const std::string& body) {
  element root;
  if (threadParser().parse(body).get(root) != simdjson::SUCCESS) return std::nullopt;
  try {
    return readReview(FastReader(root));
  } catch (const NotFast&) {
    return std::nullopt;
  }
}

}  // namespace webhook
