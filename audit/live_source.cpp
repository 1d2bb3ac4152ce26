#include "audit/live_source.h"

#include <iterator>

#include "kube/api_client.h"
#include "kube/list_manifests.h"

namespace audit {
namespace {

// In the order of the export command in live_source.h; cronjobs in batch/v1 from 1.21, batch/v1beta1 before.
const kube::CollectionRef kCollections[] = {
    {"v1", "namespaces", "Namespace", false},
    {"v1", "pods", "Pod", true},
    {"v1", "serviceaccounts", "ServiceAccount", true},
    {"networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", true},
    {"rbac.authorization.k8s.io/v1", "roles", "Role", true},
    {"rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true},
    {"rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false},
    {"rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false},
    {"v1", "persistentvolumeclaims", "PersistentVolumeClaim", true},
    {"v1", "resourcequotas", "ResourceQuota", true},
    {"v1", "limitranges", "LimitRange", true},
    {"apps/v1", "deployments", "Deployment", true},
    {"apps/v1", "daemonsets", "DaemonSet", true},
    {"apps/v1", "statefulsets", "StatefulSet", true},
    {"apps/v1", "replicasets", "ReplicaSet", true},
    {"batch/v1", "jobs", "Job", true},
    {"batch/v1", "cronjobs", "CronJob", true},
    // The tiers around NetworkPolicies (network-policy-api's CRD): a 404 where it is not installed
    // leaves them out with a note, and reachability is then NetworkPolicies' alone.
    {"policy.networking.k8s.io/v1alpha2", "clusternetworkpolicies", "ClusterNetworkPolicy", false},
};
const kube::CollectionRef kCronJobsBeta{"batch/v1beta1", "cronjobs", "CronJob", true};

}  // namespace

LiveListing listCluster(const kube::ApiClient& client, const LiveOptions& options) {
  LiveListing out;
  std::vector<std::string> forbidden, notServed;
  size_t attempted = 0, read = 0;
  auto list = [&](const kube::CollectionRef& c, const std::string& ns) {
    kube::ManifestListOptions lo;
    lo.pageSize = options.pageSize;
    lo.namespace_ = ns;
    lo.skippedForbidden = &forbidden;
    lo.skippedNotServed = &notServed;
    lo.forbiddenHint = "the audit leaves " + c.qualifiedName() + " out";
    ++attempted;
    std::vector<kube::Manifest> collection;
    bool listed = kube::listManifests(client, c, lo, collection);
    read += collection.size();
    if (options.consume) {
      options.consume(std::move(collection));
    } else {
      out.manifests.insert(out.manifests.end(), std::make_move_iterator(collection.begin()),
                           std::make_move_iterator(collection.end()));
    }
    if (options.progress) options.progress(c.resource, read);
    return listed;
  };
  for (const auto& c : kCollections) {
    auto listEverywhere = [&](const kube::CollectionRef& ref) {
      if (!ref.namespaced || options.namespaces.empty()) list(ref, "");
      else
        for (const auto& ns : options.namespaces) list(ref, ns);
    };
    const size_t notServedBefore = notServed.size();
    listEverywhere(c);
    if (c.resource == std::string("cronjobs") && notServed.size() > notServedBefore) {
      notServed.resize(notServedBefore);  // batch/v1 is not served: a server before 1.21 has batch/v1beta1
      attempted -= options.namespaces.empty() ? 1 : options.namespaces.size();
      listEverywhere(kCronJobsBeta);
    }
  }
  if (!forbidden.empty() && forbidden.size() + notServed.size() >= attempted)
    throw kube::InputError(forbidden.front());
  out.skipped = std::move(forbidden);
  out.skipped.insert(out.skipped.end(), notServed.begin(), notServed.end());
  return out;
}

}  // namespace audit
