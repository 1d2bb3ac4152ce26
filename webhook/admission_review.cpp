#include "webhook/admission_review.h"

#include <cstdint>
#include <cstring>
#include <optional>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <nlohmann/json.hpp>

#include "kube/json_depth.h"
#include "kube/json_reader.h"
#include "kube/pod_decode.h"
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
  // admission.k8s.io's Operation enum: anything else is no request an API server sends, and a policy that
  // judges only CREATE and UPDATE must not let a "create" or "FROB" through unjudged.
  if (req.operation != "CREATE" && req.operation != "UPDATE" && req.operation != "DELETE" && req.operation != "CONNECT")
    r.fail("operation must be CREATE, UPDATE, DELETE or CONNECT, got \"" + req.operation + "\"");
  if (auto user = r.field("userInfo")) {
    req.username = user->string("username");
    req.groups = user->stringList("groups");
  }
  req.dryRun = r.boolean("dryRun");
  if (auto object = r.field("object")) {
    object->expectObject();
    req.object = &object->value();
    req.pod = kube::DecodedPod::of(*req.object);
    req.objectClaims = kube::decodeObjectVolumeClaims(*req.object);
  }
  if (auto old = r.field("oldObject")) {
    old->expectObject();
    req.oldObject = &old->value();
    req.oldPod = kube::DecodedPod::of(*req.oldObject);
  }
  return req;
}

bool isPlain(unsigned char c) { return c - 0x20u < 0x60u && c != '"' && c != '\\'; }  // printable ASCII, no escape

// The index of the first character at or after `i` that isPlain() is not (value.size() if none). Sixteen
// (SSE2) or eight characters per step while none is (a warning is a few hundred plain characters, sent on
// every request).
size_t skipPlain(const std::string& value, size_t i) {
#ifdef __SSE2__
  // As signed bytes, those below 0x20 and those from 0x80 up are all less than 0x20.
  const __m128i below = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= value.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(value.data() + i));
    const __m128i special = _mm_or_si128(_mm_cmplt_epi8(x, below),
                                         _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    if (const int mask = _mm_movemask_epi8(special)) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto zeroByte = [](uint64_t v) { return (v - kOnes) & ~v; };  // high bit set in some byte iff a byte is 0
  for (; i + 8 <= value.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, value.data() + i, 8);
    const uint64_t special = x                              // >= 0x80
                             | ((x - kOnes * 0x20) & ~x)    // < 0x20
                             | zeroByte(x ^ (kOnes * '"'))  // '"'
                             | zeroByte(x ^ (kOnes * '\\'));
    if (special & kHigh) break;
  }
  while (i < value.size() && isPlain(static_cast<unsigned char>(value[i]))) ++i;
  return i;
}

// The response written directly, byte for byte what nlohmann's dump() gives (keys in std::map order,
// the same escapes), without building a tree; nullopt when a string holds non-ASCII bytes, whose
// escaping (and invalid-UTF-8 replacement) is left to nlohmann.
class DirectWriter {
 public:
  DirectWriter() { out_.reserve(512); }  // one allocation for a review with a warning or two
  bool ok() const { return ok_; }
  std::string take() { return std::move(out_); }
  DirectWriter& raw(const char* text) {
    out_ += text;
    return *this;
  }
  DirectWriter& str(const std::string& value) {
    out_ += '"';
    size_t plain = 0;  // start of the run of characters copied as they are, appended in one go
    for (size_t i = skipPlain(value, 0); i < value.size(); i = skipPlain(value, i + 1)) {
      const auto c = static_cast<unsigned char>(value[i]);
      if (c >= 0x80) {  // not written here: the caller renders the tree instead
        ok_ = false;
        continue;
      }
      out_.append(value, plain, i - plain);
      plain = i + 1;
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default: {  // the other control characters
          static const char* hex = "0123456789abcdef";
          out_ += "\\u00";
          out_ += hex[c >> 4];
          out_ += hex[c & 15];
        }
      }
    }
    out_.append(value, plain, value.size() - plain);
    out_ += '"';
    return *this;
  }
  DirectWriter& stringList(const std::vector<std::string>& values) {
    out_ += '[';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out_ += ',';
      str(values[i]);
    }
    out_ += ']';
    return *this;
  }

 private:
  std::string out_;
  bool ok_ = true;
};

std::optional<std::string> renderDirect(const std::string& apiVersion, const std::string& uid,
                                        const admission::AdmissionResponse& response) {
  DirectWriter w;
  w.raw("{\"apiVersion\":").str(apiVersion).raw(",\"kind\":\"AdmissionReview\",\"response\":{\"allowed\":");
  w.raw(response.allowed ? "true" : "false");
  if (!response.auditAnnotations.empty()) {
    w.raw(",\"auditAnnotations\":{");
    bool first = true;
    for (const auto& [key, value] : response.auditAnnotations) {
      if (!first) w.raw(",");
      first = false;
      w.str(key).raw(":").str(value);
    }
    w.raw("}");
  }
  if (response.result) {
    const auto& status = *response.result;
    w.raw(",\"status\":{\"code\":").raw(std::to_string(status.code).c_str());
    if (!status.detailsKind.empty()) {
      w.raw(",\"details\":{");
      if (!status.causes.empty()) {
        w.raw("\"causes\":[");
        for (size_t i = 0; i < status.causes.size(); ++i) {
          const auto& c = status.causes[i];
          if (i) w.raw(",");
          w.raw("{\"field\":").str(c.field).raw(",\"message\":").str(c.message).raw(",\"reason\":").str(c.type).raw("}");
        }
        w.raw("],");
      }
      w.raw("\"group\":").str(status.detailsGroup).raw(",\"kind\":").str(status.detailsKind);
      w.raw(",\"name\":").str(status.detailsName).raw("}");
    }
    w.raw(",\"message\":").str(status.message).raw(",\"reason\":").str(status.reason);
    w.raw(",\"status\":\"Failure\"}");
  }
  w.raw(",\"uid\":").str(uid);
  if (!response.warnings.empty()) w.raw(",\"warnings\":").stringList(response.warnings);
  w.raw("}}");
  if (!w.ok()) return std::nullopt;
  return w.take();
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
  if (auto direct = renderDirect(apiVersion, uid, response)) return std::move(*direct);
  return renderAdmissionReviewTree(apiVersion, uid, response);
}

std::string renderAdmissionReviewTree(const std::string& apiVersion, const std::string& uid,
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
