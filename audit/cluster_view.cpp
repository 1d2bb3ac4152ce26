#include "audit/cluster_view.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <tuple>

#include "kube/json_reader.h"
#include "kube/namespace_object.h"
#include "kube/object_meta_fields.h"
#include "kube/pod_decode.h"
#include "netpol/decode.h"
#include "rbac/policy_decode.h"

namespace audit {
namespace {

// The controller among an object's owners (a ReplicaSet's Deployment, a Pod's ReplicaSet), if any.
const kube::OwnerReference* controllerOf(const kube::ObjectMeta& meta) {
  for (const auto& o : meta.ownerReferences)
    if (o.controller) return &o;
  return nullptr;
}

// strconv.ParseBool, as the admission plugin reads the annotation.
bool parseGoBool(const std::string& s) { return s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True"; }

ServiceAccountInfo serviceAccountInfo(const kube::Manifest& m) {
  ServiceAccountInfo info;
  if (const kube::ObjectMeta* meta = m.metadata().get()) {
    auto enforce = meta->annotations.find("kubernetes.io/enforce-mountable-secrets");
    info.enforceMountableSecrets = enforce != meta->annotations.end() && parseGoBool(enforce->second);
  }
  if (const kube::ServiceAccountObject* sa = m.serviceAccount().get()) {
    info.secrets.insert(sa->secrets.begin(), sa->secrets.end());
    info.automountServiceAccountToken = sa->automountServiceAccountToken;
  }
  return info;
}

// What reports and later checks still read of an object once it is decoded: apiVersion, kind, name and
// namespace. The rest of the tree is released (a live pod with its managedFields is ~10 KB of JSON nodes).
nlohmann::json identityOf(const nlohmann::json& object) {
  nlohmann::json out = nlohmann::json::object();
  for (const char* key : {"apiVersion", "kind"})
    if (auto it = object.find(key); it != object.end()) out[key] = *it;
  for (const char* key : {"name", "namespace"})
    if (const auto* value = kube::metadataField(object, key)) out["metadata"][key] = *value;
  return out;
}

// Whether a ReplicaSet or Job a controller owns runs pods, and how recent it is among its siblings.
struct Generation {
  bool runsPods = true;
  long long revision = -1;  // a ReplicaSet's deployment.kubernetes.io/revision, -1 when none
  std::string created;      // metadata.creationTimestamp (RFC 3339 in UTC, as the API server writes it)
};

// A Deployment scales the ReplicaSets of its earlier revisions to spec.replicas 0 and keeps them as
// history (revisionHistoryLimit, DeploymentController's cleanupDeployment); a CronJob keeps its finished
// Jobs likewise (successfulJobsHistoryLimit, failedJobsHistoryLimit). Neither runs a pod: a Job runs
// while status.active > 0 (JobStatus.Active), a ReplicaSet while spec.replicas > 0 (defaulted to 1,
// SetDefaults_ReplicaSet). Other kinds: none of them.
std::optional<Generation> generationOf(const kube::Manifest& m, const kube::ObjectMeta& meta) {
  const bool replicaSet = m.kind() == "ReplicaSet" && m.apiVersion() == "apps/v1";
  const bool job = m.kind() == "Job" && m.apiVersion() == "batch/v1";
  if (!replicaSet && !job) return std::nullopt;
  kube::JsonReader root(m.object, "");
  auto integerAt = [&root](const char* path, long long otherwise) -> long long {
    auto field = root.at(path);
    return field && !field->isNull() && field->value().is_number_integer() ? field->asInt() : otherwise;
  };
  Generation g;
  g.runsPods = replicaSet ? integerAt("spec.replicas", 1) > 0 : integerAt("status.active", 0) > 0;
  if (auto created = root.at("metadata.creationTimestamp"); created && created->value().is_string())
    g.created = created->value().get<std::string>();
  if (auto revision = meta.annotations.find("deployment.kubernetes.io/revision"); replicaSet && revision != meta.annotations.end()) {
    char* end = nullptr;
    long long n = std::strtoll(revision->second.c_str(), &end, 10);
    if (end && *end == '\0' && !revision->second.empty()) g.revision = n;
  }
  return g;
}

}  // namespace

class ClusterViewBuilder::Impl {
 public:
  explicit Impl(const std::vector<std::string>& namespaceFilter) {
    view_.namespaceFilter.insert(namespaceFilter.begin(), namespaceFilter.end());
  }

  void add(std::vector<kube::Manifest> manifests) {
    view_.manifests.reserve(view_.manifests.size() + manifests.size());
    for (auto& m : manifests) {
      const size_t index = view_.manifests.size();
      view_.manifests.push_back(std::move(m));
      kube::Manifest& stored = view_.manifests.back();
      try {
        read(index, stored);
        if (auto object = netpol::decodeObject(stored)) decoded_.emplace_back(index, std::move(*object));
      } catch (const kube::DecodeError& e) {
        view_.errors.push_back(stored.errorAt(e.path(), e.problem()));
      } catch (const kube::InputError& e) {
        view_.errors.push_back(e.what());
      }
      recordOwnership(index, stored);
      // RBAC objects are decoded together at the end (bindings refer to roles listed later).
      if (!rbac::rbacKindOf(stored.object)) stored.keepOnly(identityOf(stored.object));
    }
  }

  ClusterView finish() {
    dropTemplatesJudgedAtTheirController();
    // One slot per manifest, so that a NetworkPolicy's manifestIndex points into view.manifests.
    const netpol::DecodedObject none;
    std::vector<const netpol::DecodedObject*> pointers(view_.manifests.size(), &none);
    for (const auto& [index, object] : decoded_) pointers[index] = &object;
    std::vector<netpol::DecodedObject> templates = workloadsWithoutPods();
    for (const auto& t : templates) pointers.push_back(&t);
    view_.network = netpol::assembleCluster(pointers);
    decoded_.clear();
    rbac::DecodedPolicy rbac = rbac::decodeObjects(view_.manifests);
    for (const auto& object : rbac.objects)  // reported; the well-formed objects are still evaluated
      if (!object.error.empty()) view_.errors.push_back(object.error);
    view_.rbac = std::move(rbac.policy);
    for (auto& m : view_.manifests)
      if (rbac::rbacKindOf(m.object)) m.keepOnly(identityOf(m.object));
    return std::move(view_);
  }

 private:
  NamespaceInfo& namespaceNamed(const std::string& name) {
    auto& info = view_.namespaces[name];
    info.name = name;
    return info;
  }

  // metadata.uid and the uid of the controller owner (a ReplicaSet's Deployment, a Pod's ReplicaSet).
  void recordOwnership(size_t index, const kube::Manifest& m) {
    const kube::ObjectMeta* meta = nullptr;
    try {
      meta = m.metadata().get();
    } catch (const kube::DecodeError&) {
      return;  // a pod-carrying object's metadata error is reported by read(); other kinds own no pods
    }
    if (!meta || meta->uid.empty()) return;
    uidOf_[index] = meta->uid;
    if (const kube::OwnerReference* controller = controllerOf(*meta); controller && !controller->uid.empty())
      controllerOf_[meta->uid] = controller->uid;
  }

  // A ReplicaSet a Deployment controls, a Job a CronJob controls: their template is their controller's,
  // which is judged instead. Only when that controller was read and is judged itself: an export of
  // ReplicaSets without their Deployments, or of a ReplicaSet whose controller is no workload kguard
  // reads (an Argo Rollout), judges the ReplicaSet (but not the controller's history, below). Pods are
  // judged themselves (what runs), but for finished ones whose controller was read.
  void dropTemplatesJudgedAtTheirController() {
    std::map<std::string, size_t> byUid, byName;  // workload index by uid, by "namespace/kind/name"
    for (size_t i = 0; i < view_.workloads.size(); ++i) {
      const auto& w = view_.workloads[i];
      if (w.isPod()) continue;
      if (auto uid = uidOf_.find(w.manifest); uid != uidOf_.end()) byUid[uid->second] = i;
      byName[w.namespace_ + "/" + w.kind + "/" + w.name] = i;
    }
    // The workload that controls workload i, when it was read.
    auto controllerIndex = [&](size_t i) -> std::optional<size_t> {
      auto owner = ownerOf_.find(view_.workloads[i].manifest);
      if (owner == ownerOf_.end()) return std::nullopt;
      const kube::OwnerReference& o = owner->second;
      if (auto it = byUid.find(o.uid); !o.uid.empty() && it != byUid.end()) return it->second;
      if (auto it = byName.find(view_.workloads[i].namespace_ + "/" + o.kind + "/" + o.name); it != byName.end())
        return it->second;
      return std::nullopt;
    };
    // Judged unless its controller is judged; a chain longer than any controller makes (or a cycle of
    // hand-written owners) is judged rather than dropped.
    std::function<bool(size_t, int)> judged = [&](size_t i, int depth) {
      auto controller = controllerIndex(i);
      return !controller || depth > 8 || !judged(*controller, depth + 1);
    };
    // A finished Pod whose controller was read (a CronJob's run: Pod -> Job) is left to it too: the template
    // that made it is judged there, once, not again for every run the history keeps.
    auto runsOrUncontrolled = [&](size_t i) {
      return !terminatedPods_.count(view_.workloads[i].manifest) || !controllerIndex(i);
    };
    std::vector<bool> keep(view_.workloads.size());
    for (size_t i = 0; i < keep.size(); ++i)
      keep[i] = view_.workloads[i].isPod() ? runsOrUncontrolled(i) : judged(i, 0);
    // The history a controller kept, its controller not read (`kubectl get rs -A`): the ReplicaSets of
    // a Deployment's earlier revisions, a CronJob's finished Jobs. They run nothing and mostly repeat the
    // same template: judged are those that run pods, or, when none of the controller's does (scaled to
    // 0, no Job running), its newest alone, the template it would run next.
    std::map<std::string, std::vector<size_t>> byController;  // "namespace/uid" (or kind/name), judged ones
    for (size_t i = 0; i < keep.size(); ++i) {
      const auto& w = view_.workloads[i];
      if (!keep[i] || !generationOf_.count(w.manifest) || controllerIndex(i)) continue;
      const kube::OwnerReference& o = ownerOf_.at(w.manifest);
      byController[w.namespace_ + "/" + (o.uid.empty() ? o.kind + "/" + o.name : o.uid)].push_back(i);
    }
    for (const auto& [controller, siblings] : byController) {
      auto generation = [&](size_t i) -> const Generation& { return generationOf_.at(view_.workloads[i].manifest); };
      const bool anyRuns = std::any_of(siblings.begin(), siblings.end(), [&](size_t i) { return generation(i).runsPods; });
      size_t newest = siblings.front();
      for (size_t i : siblings)
        if (std::tie(generation(i).revision, generation(i).created) >= std::tie(generation(newest).revision, generation(newest).created))
          newest = i;
      for (size_t i : siblings) keep[i] = anyRuns ? generation(i).runsPods : i == newest;
    }
    std::vector<Workload> kept;
    for (size_t i = 0; i < keep.size(); ++i)
      if (keep[i]) kept.push_back(std::move(view_.workloads[i]));
    view_.workloads = std::move(kept);
  }

  // A stand-in for each workload of which no Pod was listed: no Pod's chain of controllers reaches it.
  std::vector<netpol::DecodedObject> workloadsWithoutPods() {
    std::set<std::string> running;
    for (const auto& w : view_.workloads) {
      if (!w.isPod() || !uidOf_.count(w.manifest)) continue;
      std::string uid = uidOf_[w.manifest];
      for (size_t hops = 0; hops < 8; ++hops) {  // Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob
        auto owner = controllerOf_.find(uid);
        if (owner == controllerOf_.end()) break;
        uid = owner->second;
        running.insert(uid);
      }
    }
    std::vector<netpol::DecodedObject> out;
    for (const auto& w : view_.workloads) {
      if (w.isPod()) continue;
      auto uid = uidOf_.find(w.manifest);
      if (uid != uidOf_.end() && running.count(uid->second)) continue;
      out.emplace_back().pod = netpol::templatePod(w.namespace_, w.kind, w.name, w.pod);
    }
    return out;
  }

  void read(size_t index, const kube::Manifest& m) {
    const std::string& kind = m.kind();
    const std::string ns = m.namespace_().empty() ? "default" : m.namespace_();
    if (kube::isNamespace(m.object)) {
      const kube::NamespaceObject* decoded = m.namespaceObject().get();
      if (!decoded) return;
      auto& info = namespaceNamed(decoded->name);
      info.labels = decoded->labels;
      info.listed = true;
      info.manifest = index;
    } else if (kind == "ResourceQuota") {
      namespaceNamed(ns).hasResourceQuota = true;
    } else if (kind == "LimitRange") {
      namespaceNamed(ns).hasLimitRange = true;
    } else if (kind == "PersistentVolumeClaim") {
      namespaceNamed(ns);
      view_.volumeClaims.push_back({index, *m.volumeClaims().get()});
    } else if (kube::isServiceAccount(m.object)) {
      view_.serviceAccounts[ns + "/" + m.name()] = serviceAccountInfo(m);
    } else if (kind == "NetworkPolicy" && netpol::isNetworkPolicy(m)) {
      namespaceNamed(ns);
      view_.networkPolicies.push_back(index);
    } else if (auto path = kube::podTemplatePath(m.apiVersion(), kind)) {
      if (kind == "PodTemplate") return;
      const kube::PodTemplate* pod = m.pod().get();
      if (!pod) return;
      if (const kube::ObjectMeta* meta = m.metadata().get())
        if (const kube::OwnerReference* controller = controllerOf(*meta)) {
          ownerOf_[index] = *controller;
          if (auto generation = generationOf(m, *meta)) generationOf_[index] = std::move(*generation);
        }
      // A Pod in phase Succeeded or Failed runs nothing any more (its containers are gone and never restart).
      if (const kube::PodStatus* status = m.pod().status(); kind == "Pod" && status)
        if (status->phase == "Succeeded" || status->phase == "Failed") terminatedPods_.insert(index);
      namespaceNamed(ns);
      view_.workloads.push_back({index, kind, ns, m.name(), *path, *pod, secretReferences(m.object, *path), *m.volumeClaims().get()});
    }
  }

  ClusterView view_;
  std::vector<std::pair<size_t, netpol::DecodedObject>> decoded_;  // by manifest index
  std::map<size_t, std::string> uidOf_;                            // by manifest index
  std::map<std::string, std::string> controllerOf_;                // uid -> its controller's uid
  std::map<size_t, kube::OwnerReference> ownerOf_;                 // a workload's controller, by manifest index
  std::map<size_t, Generation> generationOf_;  // a controlled ReplicaSet's or Job's, by manifest index
  std::set<size_t> terminatedPods_;            // Pods in phase Succeeded or Failed, by manifest index
};

ClusterViewBuilder::ClusterViewBuilder(const std::vector<std::string>& namespaceFilter)
    : impl_(std::make_unique<Impl>(namespaceFilter)) {}
ClusterViewBuilder::~ClusterViewBuilder() = default;
void ClusterViewBuilder::add(std::vector<kube::Manifest> manifests) { impl_->add(std::move(manifests)); }
ClusterView ClusterViewBuilder::finish() { return impl_->finish(); }

ClusterView buildClusterView(std::vector<kube::Manifest> manifests, const std::vector<std::string>& namespaceFilter) {
  ClusterViewBuilder builder(namespaceFilter);
  builder.add(std::move(manifests));
  return builder.finish();
}

std::vector<std::string> namespacesNotFound(const ClusterView& view) {
  std::set<std::string> missing;
  for (const auto& ns : view.namespaceFilter)
    if (!view.namespaces.count(ns)) missing.insert(ns);
  for (const auto& m : view.manifests) {
    if (missing.empty()) break;
    missing.erase(m.namespace_());
  }
  return {missing.begin(), missing.end()};
}

}  // namespace audit
