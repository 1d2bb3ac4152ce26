#include "webhook/role_cache.h"

#include <map>

#include <nlohmann/json.hpp>

#include "kube/dns_names.h"
#include "kube/json_reader.h"
#include "rbac/aggregation.h"
#include "rbac/policy_decode.h"
#include "runtime/log.h"

namespace webhook {

using runtime::log;
using runtime::LogLevel;
namespace {

const char* const kGroupVersion = "rbac.authorization.k8s.io/v1";

// List items and GET bodies of the typed collections carry no kind: the decoder needs it.
rbac::Role decode(bool cluster, nlohmann::json object) {
  object["apiVersion"] = kGroupVersion;
  object["kind"] = cluster ? "ClusterRole" : "Role";
  return rbac::decodeRole(object);
}

std::string key(const rbac::Role& role) { return role.clusterScoped ? role.name : role.namespace_ + "/" + role.name; }

// Every ClusterRole with the rules the aggregation controller gives it.
std::map<std::string, rbac::Role> aggregated(const std::map<std::string, rbac::Role>& stored) {
  rbac::Policy policy;
  for (const auto& entry : stored) policy.roles.push_back(entry.second);
  std::map<std::string, rbac::Role> out;
  for (rbac::Role& role : rbac::recomputeAggregation(std::move(policy)).roles) out[role.name] = std::move(role);
  return out;
}

}  // namespace

struct RoleCache::Roles {
  std::map<std::string, rbac::Role> storedClusterRoles;  // by name, as stored: aggregation's input
  std::map<std::string, rbac::Role> clusterRoles;        // by name, aggregation resolved
  std::map<std::string, rbac::Role> roles;               // by "namespace/name"
};

RoleCache::RoleCache(std::shared_ptr<const kube::ApiClient> client)
    : client_(std::move(client)), roles_(std::make_shared<const Roles>()) {
  auto reflector = [this](bool cluster) {
    kube::ReflectorOptions options;
    const char* what = cluster ? "clusterrole watch" : "role watch";
    options.onError = [what](const std::string& message) { log(LogLevel::Warn, what, {{"error", message}}); };
    return std::make_unique<kube::Reflector>(
        client_, std::string("/apis/") + kGroupVersion + (cluster ? "/clusterroles" : "/roles"),
        [this, cluster](std::vector<nlohmann::json> items) { replace(cluster, std::move(items)); },
        [this, cluster](const std::string& type, const nlohmann::json& object) { apply(cluster, type, object); }, options);
  };
  clusterRoleReflector_ = reflector(true);
  roleReflector_ = reflector(false);
}

RoleCache::~RoleCache() { stop(); }

void RoleCache::start() {
  clusterRoleReflector_->start();
  roleReflector_->start();
}
void RoleCache::stop() {
  clusterRoleReflector_->stop();
  roleReflector_->stop();
}
bool RoleCache::synced() const { return clusterRoleReflector_->hasSynced() && roleReflector_->hasSynced(); }

std::shared_ptr<const RoleCache::Roles> RoleCache::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return roles_;
}

void RoleCache::publish(std::shared_ptr<const Roles> next) {
  std::lock_guard<std::mutex> lock(mutex_);
  roles_ = std::move(next);
}

void RoleCache::replace(bool cluster, std::vector<nlohmann::json> items) {
  std::map<std::string, rbac::Role> decoded;
  for (auto& item : items) {
    try {
      rbac::Role role = decode(cluster, std::move(item));
      decoded[key(role)] = std::move(role);
    } catch (const kube::DecodeError& e) {
      log(LogLevel::Warn, cluster ? "skipping undecodable clusterrole" : "skipping undecodable role", {{"error", e.what()}});
    }
  }
  std::lock_guard<std::mutex> lock(writeMutex_);
  auto next = std::make_shared<Roles>(*snapshot());
  if (cluster) {
    next->clusterRoles = aggregated(decoded);
    next->storedClusterRoles = std::move(decoded);
  } else {
    next->roles = std::move(decoded);
  }
  publish(std::move(next));
}

// Roles change rarely: each event copies the maps (and recomputes aggregation for a ClusterRole).
void RoleCache::apply(bool cluster, const std::string& type, const nlohmann::json& object) {
  try {
    rbac::Role role = decode(cluster, object);
    std::lock_guard<std::mutex> lock(writeMutex_);
    auto next = std::make_shared<Roles>(*snapshot());
    auto& map = cluster ? next->storedClusterRoles : next->roles;
    if (type == "DELETED") map.erase(key(role));
    else map[key(role)] = std::move(role);
    if (cluster) next->clusterRoles = aggregated(next->storedClusterRoles);
    publish(std::move(next));
  } catch (const kube::DecodeError& e) {
    log(LogLevel::Warn, cluster ? "skipping undecodable clusterrole event" : "skipping undecodable role event", {{"error", e.what()}});
  }
}

rbac::Policy RoleCache::storedClusterRoles() const {
  rbac::Policy policy;
  for (const auto& entry : snapshot()->storedClusterRoles) policy.roles.push_back(entry.second);
  return policy;
}

admission::RoleLookup RoleCache::getRole(const std::string& kind, const std::string& namespace_, const std::string& name,
                                       admission::Deadline deadline) {
  using Status = admission::RoleLookup::Status;
  const bool cluster = kind == "ClusterRole";
  if (!cluster && kind != "Role") return {Status::Failed, {}, "roleRef.kind \"" + kind + "\" is neither Role nor ClusterRole"};
  auto roles = snapshot();
  const auto& map = cluster ? roles->clusterRoles : roles->roles;
  auto it = map.find(cluster ? name : namespace_ + "/" + name);
  if (it != map.end()) return {Status::Found, it->second, ""};

  // Not seen yet (created a moment ago, or the cache is still syncing): ask the API server, unless no
  // such role can exist (the API server refuses such a roleRef before webhooks see it): an empty name
  // would GET the list of every role. Role names are path segments (ValidateRBACName), namespaces DNS labels.
  const std::string what = cluster ? "clusterrole \"" + name + "\"" : "role \"" + namespace_ + "/" + name + "\"";
  if (name.empty() || name == "." || name == ".." || name.find_first_of("/%") != std::string::npos ||
      (!cluster && !kube::isDns1123Label(namespace_)))
    return {Status::Failed, {}, what + ": not a valid name"};
  std::string path = std::string("/apis/") + kGroupVersion +
                     (cluster ? "/clusterroles/" : "/namespaces/" + kube::urlEncode(namespace_) + "/roles/") + kube::urlEncode(name);
  auto response = client_->get(path, deadline);
  if (response.error.empty() && response.status == 404) return {Status::NotFound, {}, ""};
  if (!response.ok()) return {Status::Failed, {}, what + ": " + response.describe()};
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return {Status::Failed, {}, what + ": response is not JSON"};
  try {
    rbac::Role role = decode(cluster, std::move(body));
    if (role.name != name) return {Status::Failed, {}, what + ": the answer is not that role (metadata.name \"" + role.name + "\")"};
    // An aggregated ClusterRole not cached yet: aggregated from the cached ClusterRoles once they are
    // listed (else its stored rules stand).
    if (cluster && role.aggregationSelectors && clusterRoleReflector_->hasSynced()) {
      auto stored = roles->storedClusterRoles;
      stored[role.name] = role;
      role = aggregated(stored).at(role.name);
    }
    return {Status::Found, std::move(role), ""};
  } catch (const kube::DecodeError& e) {
    return {Status::Failed, {}, what + ": " + e.what()};
  }
}

}  // namespace webhook
