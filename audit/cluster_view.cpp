#include "audit/cluster_view.h"

#include "kube/json_reader.h"
#include "kube/object_meta_fields.h"
#include "kube/pod_decode.h"
#include "netpol/decode.h"
#include "rbac/policy_decode.h"

namespace audit {
namespace {

// A ReplicaSet a Deployment controls, a Job a CronJob controls: their template is their owner's, which
// is reported already. Pods are always reported themselves (what runs).
bool controlledTemplate(const kube::Manifest& m) {
  if (m.kind() == "Pod") return false;
  auto meta = m.object.find("metadata");
  if (meta == m.object.end() || !meta->is_object()) return false;
  auto owners = meta->find("ownerReferences");
  if (owners == meta->end() || !owners->is_array()) return false;
  for (const auto& o : *owners)
    if (o.is_object() && o.value("controller", false)) return true;
  return false;
}

// strconv.ParseBool, as the admission plugin reads the annotation.
bool parseGoBool(const std::string& s) { return s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True"; }

ServiceAccountInfo serviceAccountInfo(const nlohmann::json& object) {
  ServiceAccountInfo info;
  const nlohmann::json* annotations = kube::metadataField(object, "annotations");
  if (annotations && annotations->is_object()) {
    auto enforce = annotations->find("kubernetes.io/enforce-mountable-secrets");
    info.enforceMountableSecrets = enforce != annotations->end() && enforce->is_string() && parseGoBool(enforce->get<std::string>());
  }
  auto secrets = object.find("secrets");
  if (secrets != object.end() && secrets->is_array())
    for (const auto& s : *secrets) {
      auto name = s.is_object() ? s.find("name") : s.end();
      if (s.is_object() && name != s.end() && name->is_string()) info.secrets.insert(name->get<std::string>());
    }
  return info;
}

class ViewBuilder {
 public:
  explicit ViewBuilder(ClusterView& view) : view_(view) {}

  void run() {
    // One slot per manifest, so that a NetworkPolicy's manifestIndex points into view.manifests.
    std::vector<netpol::DecodedObject> decoded(view_.manifests.size());
    for (size_t i = 0; i < view_.manifests.size(); ++i) {
      const auto& m = view_.manifests[i];
      try {
        read(i, m);
        if (auto object = netpol::decodeObject(m)) decoded[i] = std::move(*object);
      } catch (const kube::DecodeError& e) {
        view_.errors.push_back(m.errorAt(e.path(), e.problem()));
      } catch (const kube::InputError& e) {
        view_.errors.push_back(e.what());
      }
    }
    std::vector<const netpol::DecodedObject*> pointers;
    for (const auto& d : decoded) pointers.push_back(&d);
    view_.network = netpol::assembleCluster(pointers);
    try {
      view_.rbac = rbac::decodePolicy(view_.manifests);
    } catch (const kube::InputError& e) {  // reported; the well-formed objects are still evaluated
      view_.errors.push_back(e.what());
      view_.rbac = rbac::decodePolicy(view_.manifests, rbac::Malformed::Skip);
    }
  }

 private:
  NamespaceInfo& namespaceNamed(const std::string& name) {
    auto& info = view_.namespaces[name];
    info.name = name;
    return info;
  }

  void read(size_t index, const kube::Manifest& m) {
    const std::string& kind = m.kind();
    const std::string ns = m.namespace_().empty() ? "default" : m.namespace_();
    if (kind == "Namespace" && m.apiVersion() == "v1") {
      auto meta = m.object.find("metadata");
      if (meta == m.object.end()) return;
      auto decoded = kube::decodeObjectMeta(*meta, "metadata");
      auto& info = namespaceNamed(decoded.name);
      info.labels = decoded.labels;
      info.listed = true;
    } else if (kind == "ResourceQuota") {
      namespaceNamed(ns).hasResourceQuota = true;
    } else if (kind == "LimitRange") {
      namespaceNamed(ns).hasLimitRange = true;
    } else if (kind == "PersistentVolumeClaim") {
      namespaceNamed(ns);
      view_.volumeClaims.push_back({index, kube::objectVolumeClaims(m.object)});
    } else if (kind == "ServiceAccount" && m.apiVersion() == "v1") {
      view_.serviceAccounts[ns + "/" + m.name()] = serviceAccountInfo(m.object);
    } else if (kind == "NetworkPolicy" && netpol::isNetworkPolicy(m)) {
      namespaceNamed(ns);
      view_.networkPolicies.push_back(index);
    } else if (auto path = kube::podTemplatePath(m.apiVersion(), kind)) {
      if (kind == "PodTemplate" || controlledTemplate(m)) return;
      auto pod = kube::extractPod(m.object);
      if (!pod) return;
      namespaceNamed(ns);
      view_.workloads.push_back({index, kind, ns, m.name(), *path, std::move(*pod)});
      view_.workloads.back().secrets = secretReferences(m.object, *path);
      view_.workloads.back().objectClaims = kube::objectVolumeClaims(m.object);
    }
  }

  ClusterView& view_;
};

}  // namespace

ClusterView buildClusterView(std::vector<kube::Manifest> manifests, const std::vector<std::string>& namespaceFilter) {
  ClusterView view;
  view.manifests = std::move(manifests);
  view.namespaceFilter.insert(namespaceFilter.begin(), namespaceFilter.end());
  ViewBuilder(view).run();
  return view;
}

}  // namespace audit
