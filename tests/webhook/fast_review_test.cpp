// The webhook's fast path (webhook/fast_review.h: simdjson into typed pods, no JSON tree) against the
// nlohmann path it shortcuts: for every input both must give byte-identical answers. Inputs: upstream's
// Pod Security conformance pods (thousands of real pod shapes) as CREATEs and UPDATEs, plus hostile and
// unusual JSON that the fast path must hand back to the nlohmann path.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "admission/fake_cluster.h"
#include "kube/manifest.h"
#include "webhook/admission/validator.h"
#include "webhook/admission_review.h"
#include "webhook/fast_review.h"

namespace fs = std::filesystem;

namespace {

std::string review(const std::string& operation, const std::string& object, const std::string& oldObject = "",
                   const std::string& subResource = "") {
  std::string r = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1",)"
                  R"("kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},)"
                  R"("name":"p","namespace":"ns","operation":")" + operation + R"(","userInfo":{"username":"alice","groups":["a","b"]},)";
  if (!subResource.empty()) r += R"("subResource":")" + subResource + R"(",)";
  if (!oldObject.empty()) r += R"("oldObject":)" + oldObject + ",";
  return r + R"("object":)" + object + "}}";
}

// Every kguard rule on, in enforce mode, in a namespace that Pod Security only warns and audits (so that
// the rules see every pod): kguard's rules read the pods the fast path decoded, as Pod Security does.
config::KguardConfig withEveryRule() {
  config::KguardConfig c;
  c.rules.allowedRegistries = {"registry.k8s.io"};
  c.rules.requireImageDigest = true;
  c.rules.disallowLatestTag = true;
  c.rules.requiredLimits = {"cpu", "memory"};
  c.rules.sandboxedRuntime = rules::SandboxedRuntimeConfig{{{"kguard.io/isolation", "sandboxed"}}, {"kata"}};
  c.rules.allowedStorageClasses = {"encrypted-ssd"};
  c.rules.requireNoServiceAccountToken = true;
  c.rules.requireReadOnlyRootFilesystem = true;
  c.rulesMode = config::Mode::Enforce;
  return c;
}

struct Judge {
  admission::FakeCluster cluster;
  webhook::Metrics metrics;
  std::unique_ptr<admission::Validator> validator;
  explicit Judge(bool rules = false) {
    cluster.namespaces["ns"] = {{"pod-security.kubernetes.io/enforce", rules ? "privileged" : "baseline"},
                                {"pod-security.kubernetes.io/warn", "restricted"},
                                {"pod-security.kubernetes.io/audit", "restricted"}};
    if (rules) cluster.namespaces["ns"]["kguard.io/isolation"] = "sandboxed";
    validator = std::make_unique<admission::Validator>(rules ? withEveryRule() : config::KguardConfig{}, cluster,
                                                       cluster, metrics);
  }
  // What the server answers for `body`: the rendered review, or "400: <error>".
  std::string answer(const std::string& body, bool fast) {
    auto parsed = webhook::parseAdmissionReview(body, fast);
    if (!parsed.ok) return "400: " + parsed.error;
    const auto& r = parsed.review.request;
    return webhook::renderAdmissionReview(parsed.review.apiVersion, r.uid, validator->validate(r));
  }
};

// What lint's field paths read beyond the checks (the presence of written-empty lists and of
// container-only fields in the pod's securityContext), as text: both readers must decode it alike.
std::string presenceOf(const kube::PodTemplate& pod) {
  std::string out;
  if (const auto& sc = pod.spec.securityContext) {
    const auto& w = sc->containerOnlyFields;
    out += "pod:" + std::to_string(w.capabilities) + std::to_string(w.privileged) + std::to_string(w.allowPrivilegeEscalation) +
           std::to_string(w.procMount);
  }
  kube::visitContainers(pod.spec, [&out](const kube::Container& c) {
    out += " " + c.name + ":";
    if (c.securityContext && c.securityContext->capabilities)
      out += std::to_string(c.securityContext->capabilities->addWritten) + std::to_string(c.securityContext->capabilities->dropWritten);
  });
  return out;
}

// presenceOf the review's pod read fast, and read by the nlohmann path; "" when the fast path refuses it.
std::pair<std::string, std::string> presenceBothWays(const std::string& body) {
  auto fast = webhook::readPodReviewFast(body);
  if (!fast || !fast->request.pod.decoded()) return {"", ""};
  auto slow = webhook::parseAdmissionReview(body, false);
  REQUIRE(slow.ok);
  return {presenceOf(*fast->request.pod.get()), presenceOf(*slow.review.request.pod.get())};
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Calls fn(path, manifest) for every object of the upstream Pod Security fixtures that parses.
template <typename Fn>
void forEachConformanceManifest(Fn&& fn) {
  for (const auto& entry : fs::recursive_directory_iterator(KGUARD_SOURCE_DIR "/tests/conformance/pod-security")) {
    if (entry.path().extension() != ".yaml") continue;
    std::vector<kube::Manifest> manifests;
    try {
      manifests = kube::parseManifests(readFile(entry.path()), entry.path().string());
    } catch (const std::exception&) {
      continue;
    }
    for (const auto& m : manifests) fn(entry.path().string(), m);
  }
}

}  // namespace

TEST_CASE("the fast path answers every conformance pod exactly as the nlohmann path, kguard rules off and on") {
  Judge judge, withRules(true);
  size_t pods = 0, fast = 0;
  forEachConformanceManifest([&](const std::string& path, const kube::Manifest& m) {
    const std::string object = m.object.dump();
    nlohmann::json changed = m.object;
    if (changed.contains("spec") && changed["spec"].contains("containers") && changed["spec"]["containers"].is_array() &&
        !changed["spec"]["containers"].empty())
      changed["spec"]["containers"][0]["image"] = "changed:1";
    for (const auto& body : {review("CREATE", object), review("UPDATE", changed.dump(), object),
                             review("UPDATE", object, object), review("UPDATE", object, object, "ephemeralcontainers")}) {
      INFO(path << "\n" << body);
      CHECK(judge.answer(body, true) == judge.answer(body, false));
      CHECK(withRules.answer(body, true) == withRules.answer(body, false));
      ++pods;
      if (webhook::readPodReviewFast(body)) ++fast;
    }
  });
  CHECK(pods > 10000);
  CHECK(fast > pods * 9 / 10);  // the fast path is the common path, not the exception
}

TEST_CASE("unusual and hostile JSON gets the same answer on both paths, kguard rules off and on") {
  Judge judge, withRules(true);
  const std::string pod = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}]}})";
  const std::vector<std::string> bodies = {
      // duplicate keys: nlohmann keeps the last one
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"hostPID":true,"hostPID":false,"containers":[{"name":"c","image":"x"}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"hostPID":false,"hostPID":true,"containers":[{"name":"c","image":"x"}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"hostPID":true,"hostPID":null,"containers":[]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"1","a":null}},"spec":{}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"v","hostPath":{"path":"/"},"emptyDir":{},"hostPath":null}]}})"),
      // duplicates and nulls in the objects the fast path decodes in one pass (pod, spec, container,
      // security contexts, ports, handlers, metadata, the request itself)
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"x","securityContext":{"privileged":true},"securityContext":{"privileged":false}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"x","securityContext":{"privileged":false},"securityContext":{"privileged":true}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","securityContext":{"runAsNonRoot":true,"runAsNonRoot":false,"capabilities":null}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","ports":[{"hostPort":80,"hostPort":0}]}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","ports":[{"hostPort":0,"hostPort":80,"protocol":null}]}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","livenessProbe":{"httpGet":{"host":"a"},"httpGet":{"port":1}}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[],"containers":[{"name":"c","securityContext":{"privileged":true}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"securityContext":null,"os":null,"ports":null,"containers":[{"name":"c","image":null,"ports":null,"lifecycle":null}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"securityContext":{"runAsUser":0},"securityContext":{"runAsNonRoot":true}}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"},"metadata":{"annotations":{"x":"y"}},"spec":{}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"hostPID":true},"spec":{"hostPID":false}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"serviceAccountName":"","serviceAccount":7,"nodeName":8}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"serviceAccountName":"a","serviceAccount":7}})"),
      // labels and resources (kguard's rules read them)
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":1}},"spec":{"hostPID":true}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":1,"a":"b"}},"spec":{}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"labels":[]},"spec":{}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":null}}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":true},"requests":{"cpu":"1"}}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":{}}}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"requests":[]}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":7}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":2,"memory":"1Gi"},"requests":null}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"registry.k8s.io/pause@sha256:0","resources":{"limits":{"cpu":"1","memory":"1Gi"}},"securityContext":{"readOnlyRootFilesystem":true}}],"runtimeClassName":"kata","automountServiceAccountToken":false}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"kguard.io/needs-api-access":"true"}},"spec":{"containers":[{"name":"c","image":"docker.io/x:latest"}]}})"),
      // quantities: one resource.ParseQuantity refuses goes to the nlohmann path, which words the error
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"bogus"}}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":".5","memory":"1Ki"},"requests":{"cpu":"1KI"}}}]}})"),
      // volumeMounts: a mount at the token's path tells kguard.automountServiceAccountToken the token is there
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"x","volumeMounts":[{"name":"t","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"x","volumeMounts":[{"name":"d","mountPath":"/data"},{"name":"n","mountPath":null}]}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"x","volumeMounts":[{"name":"t","mountPath":7}]}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"x","volumeMounts":{}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"x","volumeMounts":["t"]}]}})"),
      // generic ephemeral volumes: the claims kguard.storageClass reads, well-formed and not
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"e","ephemeral":{"volumeClaimTemplate":{"spec":{"storageClassName":"encrypted-ssd"}}}},{"name":"f","ephemeral":{"volumeClaimTemplate":{"spec":{}}}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"e","ephemeral":{"volumeClaimTemplate":{"spec":{"storageClassName":7}}}}]}})"),
      // the beta storage-class annotation on a claim template decides its class (and a bad one is the claim's error)
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"e","ephemeral":{"volumeClaimTemplate":{"metadata":{"annotations":{"volume.beta.kubernetes.io/storage-class":"slow"}},"spec":{"storageClassName":"encrypted-ssd"}}}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"e","ephemeral":{"volumeClaimTemplate":{"metadata":{"annotations":{"volume.beta.kubernetes.io/storage-class":7}},"spec":{}}}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"e","ephemeral":{"volumeClaimTemplate":{"spec":"x"}}},{"name":"f","ephemeral":[]}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"e","ephemeral":{"volumeClaimTemplate":null}},{"name":"f","ephemeral":{"volumeClaimTemplate":{"spec":{"storageClassName":null}}}}]}})"),
      review("UPDATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"e","ephemeral":{"volumeClaimTemplate":{"spec":{"storageClassName":7}}}}],"containers":[{"name":"c","image":"b"}]}})",
             R"({"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"e","ephemeral":{"volumeClaimTemplate":{"spec":{"storageClassName":7}}}}],"containers":[{"name":"c","image":"a"}]}})"),
      // uid and ownerReferences: checked, not kept, on both paths (no check reads them from a pod)
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"uid":"u-1","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"r-1","controller":true,"blockOwnerDeletion":true},{}]},"spec":{"containers":[{"name":"c","image":"x"}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"uid":7},"spec":{"containers":[{"name":"c","image":"x"}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"ownerReferences":[{"kind":"ReplicaSet","controller":"yes"}]},"spec":{}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"ownerReferences":[{"name":null,"uid":[]}]},"spec":{}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"ownerReferences":["rs"]},"spec":{}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"ownerReferences":{}},"spec":{}})"),
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","resource":{"group":"","version":"v1","resource":"pods"},"namespace":"ns","operation":"DELETE","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","spec":{"hostPID":true}}}})",
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","resource":{"group":"","version":"v1","resource":"pods"},"namespace":"ns","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","spec":{"hostPID":true}},"object":{"apiVersion":"v1","kind":"Pod","spec":{}}}})",
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","resource":null,"namespace":"ns","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","spec":{}}}})",
      // numbers: floats, big and negative integers, integral floats
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"securityContext":{"runAsUser":0.0},"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":0.5,"memory":1e3}}}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"securityContext":{"runAsUser":18446744073709551615,"supplementalGroups":[18446744073709551615,-1]}}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"securityContext":{"runAsUser":99999999999999999999999}}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","ports":[{"containerPort":70000}]}]}})"),
      // wrong types, missing parts, other kinds and resources
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":{"name":"c"}}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"hostPID":"yes"}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":"nope"})"),
      review("CREATE", R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{}})"),
      review("CREATE", "[]"),
      review("UPDATE", pod),
      review("UPDATE", pod, "7"),
      review("DELETE", pod),
      review("CONNECT", pod),
      review("CREATE", pod, "", "exec"),
      // strings: escapes, non-ASCII, a lone surrogate, invalid UTF-8, NUL
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"\u00e9\"\\\n\t\u0001"},"spec":{"hostPID":true,"containers":[{"name":"é","image":"ü"}]}})"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"\udc00"},"spec":{}})"),
      review("CREATE", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"\xff\xfe\"},\"spec\":{}}"),
      review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a\u0000b"},"spec":{"hostIPC":true}})"),
      // envelopes
      "\xEF\xBB\xBF" + review("CREATE", pod),
      review("CREATE", pod) + " x",
      review("CREATE", pod) + "\n",
      R"({"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"u"}})",
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":null})",
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"","operation":"CREATE"}})",
      "",
      "{",
  };
  for (const auto& body : bodies) {
    INFO(body);
    CHECK(judge.answer(body, true) == judge.answer(body, false));
    CHECK(withRules.answer(body, true) == withRules.answer(body, false));
  }
}

TEST_CASE("both readers decode the presence that lint's field paths read alike") {
  const std::vector<std::string> objects = {
      R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"capabilities":{"add":[],"drop":null}}},{"name":"b","securityContext":{"capabilities":{"drop":["ALL"]}}}]}})",
      R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"capabilities":{"add":null,"drop":[]}}}]}})",
      R"({"apiVersion":"v1","kind":"Pod","spec":{"securityContext":{"privileged":"yes","procMount":5,"allowPrivilegeEscalation":null,"capabilities":{}},"containers":[{"name":"a"}]}})",
      R"({"apiVersion":"v1","kind":"Pod","spec":{"securityContext":{"allowPrivilegeEscalation":false,"capabilities":null,"runAsUser":1},"containers":[{"name":"a"}]}})",
  };
  for (const auto& object : objects) {
    INFO(object);
    auto [fast, slow] = presenceBothWays(review("CREATE", object));
    CHECK(!fast.empty());  // read fast
    CHECK(fast == slow);
  }
  CHECK(presenceBothWays(review("CREATE", objects[0])).first == " a:10 b:01");
  CHECK(presenceBothWays(review("CREATE", objects[2])).first == "pod:1101 a:");
  size_t compared = 0;
  forEachConformanceManifest([&](const std::string& path, const kube::Manifest& m) {
    const auto both = presenceBothWays(review("CREATE", m.object.dump()));
    INFO(path);
    CHECK(both.first == both.second);
    compared += !both.first.empty();
  });
  CHECK(compared > 1000);
}

TEST_CASE("with kguard rules on, Pod reviews still take the fast path, and the rules judge its pods") {
  Judge withRules(true);
  const auto body = review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"app":"a"}},)"
                                     R"("spec":{"containers":[{"name":"c","image":"docker.io/x:latest"}]}})");
  auto parsed = webhook::parseAdmissionReview(body, true);
  REQUIRE(parsed.ok);
  CHECK(parsed.review.document == nullptr);  // read by simdjson: no JSON tree
  REQUIRE(parsed.review.request.readFast());
  CHECK(parsed.review.request.pod.get()->metadata.labels.at("app") == "a");  // kept for the rules
  const auto answer = withRules.answer(body, true);
  CHECK(answer.find("violates kguard rules: kguard.allowedRegistries") != std::string::npos);
  CHECK(answer.find("kguard.imageLatestTag") != std::string::npos);
  CHECK(answer.find("kguard.resourceLimits") != std::string::npos);
}

TEST_CASE("deep nesting is refused cleanly on the fast path too") {
  Judge judge;
  for (size_t depth : {150u, 199u, 201u, 20000u}) {
    std::string deep = std::string(depth, '[') + std::string(depth, ']');
    std::string body = review("CREATE", R"({"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"x":)" + deep + "}}}");
    INFO(depth);
    auto answer = judge.answer(body, true);
    CHECK(answer == judge.answer(body, false));
    if (depth > 200) CHECK(answer.rfind("400: request body nests deeper than 200 levels", 0) == 0);
  }
}

TEST_CASE("the direct response writer gives nlohmann's bytes") {
  admission::AdmissionResponse allowed;
  allowed.auditAnnotations["enforce-policy"] = "restricted:latest";
  allowed.auditAnnotations["audit-violations"] = "would violate \"x\"\n\ttabs \\ and \x01 control";
  allowed.warnings = {"a", "b \"quoted\"", "\x1f\x7f"};
  auto denied = admission::failureResponse(403, "Forbidden", "pods \"p\" is forbidden: violates PodSecurity");
  denied.result->detailsName = "p";
  denied.result->detailsKind = "pods";
  denied.result->causes = {{"FieldValueInvalid", "bad", "metadata.labels"}, {"T", "m", "f"}};
  auto noDetails = admission::failureResponse(500, "InternalError", "boom\b\f\r");
  admission::AdmissionResponse nonAscii;
  nonAscii.warnings = {"caf\xc3\xa9", "broken \xff"};
  for (const auto& response : {allowed, denied, noDetails, nonAscii, admission::AdmissionResponse{}})
    for (const char* version : {"admission.k8s.io/v1", "admission.k8s.io/v1beta1"}) {
      auto direct = webhook::renderAdmissionReview(version, "uid-\"1\"", response);
      CHECK(direct == webhook::renderAdmissionReviewTree(version, "uid-\"1\"", response));
    }
}

TEST_CASE("the direct response writer escapes a special character wherever it sits in a long string") {
  // It skips plain characters sixteen, then eight at a time: put each kind of special character at
  // every offset around those steps, and some plain ones that are near the thresholds it tests.
  const std::string plain = "would violate kguard rules: x ~ (y) [z] ! 0 9 A Z a z";
  for (const char* special : {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", " ", "!", "#", "[", "]", "\xc3\xa9", "\xff"}) {
    for (size_t at = 0; at <= 40; ++at) {
      admission::AdmissionResponse response;
      response.warnings = {plain.substr(0, at) + special + plain.substr(at)};
      INFO(at << " " << response.warnings[0]);
      CHECK(webhook::renderAdmissionReview("admission.k8s.io/v1", "u", response) ==
            webhook::renderAdmissionReviewTree("admission.k8s.io/v1", "u", response));
    }
  }
}

TEST_CASE("a Pod review read fast still tells the server when kguard.imageSignatures needs a registry") {
  admission::FakeCluster cluster;
  cluster.namespaces["ns"] = {};
  webhook::Metrics metrics;
  config::KguardConfig c;
  c.rules.imageSignatures = {rules::ImageSignaturePolicy{{"registry.example.com/**"}, {"rules.imageSignatures[0]", {}}}};
  admission::Validator validator(c, cluster, cluster, metrics);
  auto read = [](const std::string& image) {
    auto parsed = webhook::parseAdmissionReview(
        review("CREATE", R"({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":")" + image + R"("}]}})"),
        true);
    REQUIRE(parsed.ok);
    REQUIRE(parsed.review.request.readFast());
    return parsed.review.request;
  };
  CHECK(validator.triage(read("registry.example.com/app:1")).mayBlock);  // never verified: off the event loop
  CHECK_FALSE(validator.triage(read("docker.io/app:1")).mayBlock);       // matches no policy
}
