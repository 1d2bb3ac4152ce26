#pragma once
// Roles and ClusterRoles from the API server for the RBAC guardrails, read as namespace labels are
// (webhook/namespace_cache.h): a watched cache of every ClusterRole and Role (list + watch by
// kube::Reflector) and a GET for a role not seen yet (created a moment ago, or the cache still syncing).
// An aggregated ClusterRole is given the rules kube-controller-manager's aggregation controller writes
// into it (rbac/aggregation.h), recomputed from the cached ClusterRoles; until they are synced, its
// stored rules (which that controller keeps current).
#include <memory>
#include <mutex>

#include "kube/api_client.h"
#include "kube/reflector.h"
#include "webhook/admission/cluster_state.h"

namespace webhook {

class RoleCache : public admission::RoleGetter {
 public:
  explicit RoleCache(std::shared_ptr<const kube::ApiClient> client);
  ~RoleCache() override;

  void start();
  void stop();
  bool synced() const;  // both collections listed

  admission::RoleLookup getRole(const std::string& kind, const std::string& namespace_, const std::string& name,
                              admission::Deadline deadline) override;
  rbac::Policy storedClusterRoles() const override;

 private:
  struct Roles;  // an immutable snapshot, replaced (copy on write) by the watches
  void replace(bool cluster, std::vector<nlohmann::json> items);
  void apply(bool cluster, const std::string& type, const nlohmann::json& object);
  std::shared_ptr<const Roles> snapshot() const;
  void publish(std::shared_ptr<const Roles> next);

  std::shared_ptr<const kube::ApiClient> client_;
  std::unique_ptr<kube::Reflector> clusterRoleReflector_;
  std::unique_ptr<kube::Reflector> roleReflector_;
  std::mutex writeMutex_;     // one watch update at a time (copy, change, publish)
  mutable std::mutex mutex_;  // guards roles_ (the pointer); bindings are written rarely
  std::shared_ptr<const Roles> roles_;
};

}  // namespace webhook
