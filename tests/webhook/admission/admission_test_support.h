#pragma once
// Builds AdmissionRequests from YAML objects, so each test reads like what kubectl would send.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/manifest.h"
#include "webhook/admission/admission_request.h"

namespace admission {

struct TestRequest {
  std::shared_ptr<nlohmann::json> object, oldObject;
  AdmissionRequest request;
};

inline std::shared_ptr<nlohmann::json> objectFromYaml(const std::string& yaml) {
  return std::make_shared<nlohmann::json>(kube::parseManifests(yaml, "object.yaml").at(0).object);
}

inline TestRequest makeRequest(const std::string& operation, const GroupVersionResource& resource,
                               const std::string& ns, const std::string& yaml, const std::string& oldYaml = "") {
  TestRequest t;
  t.object = objectFromYaml(yaml);
  t.request.uid = "uid-1";
  t.request.operation = operation;
  t.request.resource = resource;
  t.request.namespace_ = ns;
  t.request.name = t.object->value("metadata", nlohmann::json::object()).value("name", "");
  t.request.username = "alice";
  t.request.object = t.object.get();
  t.request.pod = kube::DecodedPod::of(*t.object);  // as webhook/admission_review.cpp reads a review
  t.request.objectClaims = kube::decodeObjectVolumeClaims(*t.object);
  if (!oldYaml.empty()) {
    t.oldObject = objectFromYaml(oldYaml);
    t.request.oldObject = t.oldObject.get();
    t.request.oldPod = kube::DecodedPod::of(*t.oldObject);
  }
  return t;
}

inline const GroupVersionResource kPods{"", "v1", "pods"};
inline const GroupVersionResource kNamespaces{"", "v1", "namespaces"};
inline const GroupVersionResource kDeployments{"apps", "v1", "deployments"};

inline std::string pod(const std::string& name, const std::string& specExtra, const std::string& containerExtra = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  " + specExtra +
         "\n  containers:\n  - name: app\n    image: nginx:1.25\n    " + containerExtra + "\n";
}

// Passes restricted:latest.
inline std::string restrictedPod(const std::string& name, const std::string& image = "nginx:1.25") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n"
         "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"
         "  containers:\n  - name: app\n    image: " + image + "\n"
         "    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n";
}

}  // namespace admission
