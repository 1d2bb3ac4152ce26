#pragma once
// What the audit looks at, decoded once from the objects of a cluster (a live listing or a
// `kubectl get … -A -o yaml` export): namespaces, every Pod and workload pod template, the network
// model the NetworkPolicy evaluator reads, and the RBAC policy the authorizer reads.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "audit/secret_references.h"
#include "kube/manifest.h"
#include "kube/pod.h"
#include "kube/volume_claims.h"
#include "netpol/model.h"
#include "rbac/policy.h"

namespace audit {

// A Pod, or the pod template of a workload (Deployment, CronJob, …).
struct Workload {
  size_t manifest = 0;  // index into ClusterView::manifests
  std::string kind, namespace_, name;
  std::string templatePath;  // where the pod sits in the object: "" for a Pod, "spec.template", …
  kube::PodTemplate pod;
  std::vector<SecretReference> secrets;         // the Secrets its containers and volumes name
  std::vector<kube::VolumeClaim> objectClaims;  // a StatefulSet's volumeClaimTemplates (not the pod's own)
  const std::string& serviceAccount() const { return pod.spec.serviceAccountOrDefault(); }
  bool isPod() const { return kind == "Pod"; }
  // Its name in ClusterView::network: the Pod's, or netpol::templatePod's "KIND:NAME" for a workload
  // whose pods were not listed (absent from the network model otherwise).
  std::string networkName() const { return isPod() ? name : kind + ":" + name; }
};

struct NamespaceInfo {
  std::string name;
  kube::StringMap labels;
  bool listed = false;  // a Namespace object was read (else only named by other objects)
  size_t manifest = static_cast<size_t>(-1);  // that object's index in ClusterView::manifests (-1: none)
  bool hasResourceQuota = false;
  bool hasLimitRange = false;
};

// What a ServiceAccount says about the Secrets of the pods that run as it (the ServiceAccount admission
// plugin, plugin/pkg/admission/serviceaccount/admission.go): `secrets` lists those they may use, and
// the annotation kubernetes.io/enforce-mountable-secrets makes admission refuse pods naming others.
struct ServiceAccountInfo {
  std::set<std::string> secrets;
  bool enforceMountableSecrets = false;
  std::optional<bool> automountServiceAccountToken;  // its pods' default when they leave theirs unset
};

// A PersistentVolumeClaim and the claim it makes.
struct ClaimObject {
  size_t manifest = 0;
  std::vector<kube::VolumeClaim> claims;
};

struct ClusterView {
  std::vector<kube::Manifest> manifests;
  std::map<std::string, NamespaceInfo> namespaces;  // every namespace seen, by name
  std::vector<Workload> workloads;                  // input order
  std::vector<ClaimObject> volumeClaims;            // PersistentVolumeClaims
  std::map<std::string, ServiceAccountInfo> serviceAccounts;  // by "namespace/name"
  std::vector<size_t> networkPolicies;              // NetworkPolicy manifests
  // Every Pod, and a stand-in for each workload none of whose pods were listed (a Deployment not yet
  // rolled out, an export of workloads only): its pods will carry its template's labels.
  netpol::Cluster network;
  rbac::Policy rbac;
  // Objects that did not decode, each naming the object and field (the rest is still audited).
  std::vector<std::string> errors;
  bool inScope(const std::string& namespace_) const {
    return namespaceFilter.empty() || namespaceFilter.count(namespace_) > 0;
  }
  std::set<std::string> namespaceFilter;  // -n: report only these namespaces (empty = all)
};

// Builds the view from objects handed over in batches (a live listing, one collection at a time): each
// object is decoded as it arrives and its JSON tree released but for its identity (apiVersion, kind,
// name, namespace: what reports name), so a large cluster is never held as JSON all at once. RBAC
// objects keep their tree until finish(), which decodes them together.
class ClusterViewBuilder {
 public:
  explicit ClusterViewBuilder(const std::vector<std::string>& namespaceFilter);
  ~ClusterViewBuilder();
  void add(std::vector<kube::Manifest> manifests);
  ClusterView finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes every object (one batch); objects of other kinds are ignored. `namespaceFilter` limits what is reported,
// not what is read: RBAC and NetworkPolicies of other namespaces still decide what a pod can do.
ClusterView buildClusterView(std::vector<kube::Manifest> manifests, const std::vector<std::string>& namespaceFilter);

// The -n namespaces of which nothing was read: no Namespace object and no object in it. A mistyped name
// would otherwise audit nothing and report a clean cluster.
std::vector<std::string> namespacesNotFound(const ClusterView& view);

}  // namespace audit
